"""What core lets staff do: platform API keys and the audit log."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, AUDITOR, COMPLIANCE, Grants

MANAGE_API_KEYS = "core.manage_apikey"
VIEW_AUDIT = "core.view_auditevent"

GRANTS = Grants(
    roles={
        ADMIN: (MANAGE_API_KEYS, VIEW_AUDIT),
        COMPLIANCE: (VIEW_AUDIT,),
        AUDITOR: (VIEW_AUDIT,),
    },
)
