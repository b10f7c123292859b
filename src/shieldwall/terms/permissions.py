"""What the terms app lets staff and platforms do."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, AUDITOR, LEAD, MODERATOR, Grants

VIEW_RULES = "terms.view_rules"
MANAGE_RULES = "terms.manage_rules"
CHECK_TERMS = "terms.check_terms"

GRANTS = Grants(
    roles={
        ADMIN: (VIEW_RULES, MANAGE_RULES),
        LEAD: (VIEW_RULES, MANAGE_RULES),
        MODERATOR: (VIEW_RULES,),
        AUDITOR: (VIEW_RULES,),
    },
    scopes={"search": (CHECK_TERMS,)},
)
