"""What the cases app lets staff do: the desk's verbs, by role."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, COMPLIANCE, LEAD, MODERATOR, TRIAGE, Grants

ACKNOWLEDGE_CASES = "cases.acknowledge_case"
ACT_ON_CASES = "cases.act_on_case"
ACT_ON_ESCALATED = "cases.act_on_escalated"
BULK_ACT = "cases.bulk_act"
ASSIGN_CASES = "cases.assign_case"
COMMENT_CASES = "cases.comment_case"
VIEW_MEDIA = "cases.view_media"
VIEW_CASES = "cases.view_case"

# What every moderator holds; leads and admins add the escalated queue and bulk decisions.
_MODERATE = (VIEW_CASES, ACKNOWLEDGE_CASES, ACT_ON_CASES, ASSIGN_CASES, COMMENT_CASES, VIEW_MEDIA)

GRANTS = Grants(
    roles={
        ADMIN: (*_MODERATE, ACT_ON_ESCALATED, BULK_ACT),
        LEAD: (*_MODERATE, ACT_ON_ESCALATED, BULK_ACT),
        MODERATOR: _MODERATE,
        TRIAGE: (VIEW_CASES, ACKNOWLEDGE_CASES),
        COMPLIANCE: (VIEW_CASES,),
    },
)
