"""What the integrations app lets staff and platforms do: actions and webhooks."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, LEAD, MODERATOR, Grants

PULL_ACTIONS = "integrations.pull_actions"
ISSUE_ACTIONS = "integrations.issue_action"
MANAGE_WEBHOOKS = "integrations.manage_webhooks"

GRANTS = Grants(
    roles={
        ADMIN: (ISSUE_ACTIONS, MANAGE_WEBHOOKS),
        LEAD: (ISSUE_ACTIONS,),
        MODERATOR: (ISSUE_ACTIONS,),
    },
    scopes={"actions": (PULL_ACTIONS,)},
)
