"""What core lets staff do: platform API keys, the audit log, and the worker's job status."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, AUDITOR, COMPLIANCE, LEAD, Grants

MANAGE_API_KEYS = "core.manage_apikey"
VIEW_AUDIT = "core.view_auditevent"
VIEW_SYSTEM = "core.view_system"  # the worker's jobs and how they last ran (/desk/system)

GRANTS = Grants(
    roles={
        ADMIN: (MANAGE_API_KEYS, VIEW_AUDIT, VIEW_SYSTEM),
        LEAD: (VIEW_SYSTEM,),
        COMPLIANCE: (VIEW_AUDIT,),
        AUDITOR: (VIEW_AUDIT,),
    },
)
