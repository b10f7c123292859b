"""Staff roles as Django groups, and the permissions each role holds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from shieldwall.core.actors import Actor

ADMIN, LEAD, MODERATOR, TRIAGE, COMPLIANCE, AUDITOR = (
    "admin",
    "lead",
    "moderator",
    "triage",
    "compliance",
    "auditor",
)
ROLES = (ADMIN, LEAD, MODERATOR, TRIAGE, COMPLIANCE, AUDITOR)

# Permission codenames ("app_label.codename"); features add theirs here as they arrive.
MANAGE_BANKS = "banks.manage_bank"
VIEW_BANKS = "banks.view_bank"
VIEW_AUDIT = "core.view_auditevent"
MANAGE_API_KEYS = "core.manage_apikey"
SCAN = "banks.scan_media"
SUBMIT_REPORTS = "reports.submit_report"
# Permissions of feature apps named as strings: core imports no feature app.
SEND_EVENTS = "subjects.send_events"
CONFIGURE_PLATFORM = "subjects.configure_platform"
PULL_ACTIONS = "integrations.pull_actions"
ISSUE_ACTIONS = "integrations.issue_action"
MANAGE_WEBHOOKS = "integrations.manage_webhooks"
ACKNOWLEDGE_CASES = "cases.acknowledge_case"
ACT_ON_CASES = "cases.act_on_case"
ACT_ON_ESCALATED = "cases.act_on_escalated"
BULK_ACT = "cases.bulk_act"
ASSIGN_CASES = "cases.assign_case"
COMMENT_CASES = "cases.comment_case"
VIEW_MEDIA = "cases.view_media"
VIEW_CASES = "cases.view_case"
VIEW_REPORTER = "reports.view_reporter"

_MODERATE = (
    VIEW_CASES,
    ACKNOWLEDGE_CASES,
    ACT_ON_CASES,
    ASSIGN_CASES,
    COMMENT_CASES,
    VIEW_MEDIA,
    ISSUE_ACTIONS,
)
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ADMIN: (
        MANAGE_BANKS,
        VIEW_BANKS,
        MANAGE_API_KEYS,
        VIEW_AUDIT,
        SCAN,
        SEND_EVENTS,
        CONFIGURE_PLATFORM,
        *_MODERATE,
        MANAGE_WEBHOOKS,
        ACT_ON_ESCALATED,
        BULK_ACT,
        VIEW_REPORTER,
    ),
    LEAD: (VIEW_BANKS, SCAN, *_MODERATE, ACT_ON_ESCALATED, BULK_ACT),
    MODERATOR: (VIEW_BANKS, SCAN, *_MODERATE),
    TRIAGE: (SCAN, VIEW_CASES, ACKNOWLEDGE_CASES),
    COMPLIANCE: (VIEW_BANKS, VIEW_AUDIT, VIEW_REPORTER, VIEW_CASES),
    AUDITOR: (VIEW_AUDIT,),
}

# What a platform's API key may do: scan, look up and keep its banks.
PLATFORM_PERMISSIONS = frozenset(
    {SCAN, VIEW_BANKS, MANAGE_BANKS, SUBMIT_REPORTS, SEND_EVENTS, CONFIGURE_PLATFORM, PULL_ACTIONS}
)


def ensure_roles(**_: Any) -> None:
    """Create the role groups and grant their permissions (idempotent; runs after migrate)."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)


def user_actor(user: Any) -> Actor:
    """The Actor for a staff user, carrying the permissions of their groups."""
    return Actor(
        kind="user",
        name=user.get_username(),
        permissions=frozenset(user.get_all_permissions()),
        superuser=bool(user.is_superuser),
    )
