"""Staff roles as Django groups, the permissions each role holds, and platform key scopes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
# Protected banks (verified CSAM, NCII, platform-removed, exchange-filled): changed, and their
# hashes read, only by staff holding these, always with a reason (see banks/guard.py).
MANAGE_PROTECTED_BANKS = "banks.manage_protected_bank"
EXPORT_PROTECTED_BANKS = "banks.export_protected_bank"
LOOKUP_HASHES = "banks.lookup_hashes"
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
        MANAGE_PROTECTED_BANKS,
        EXPORT_PROTECTED_BANKS,
        MANAGE_API_KEYS,
        VIEW_AUDIT,
        SCAN,
        LOOKUP_HASHES,
        SEND_EVENTS,
        CONFIGURE_PLATFORM,
        *_MODERATE,
        MANAGE_WEBHOOKS,
        ACT_ON_ESCALATED,
        BULK_ACT,
        VIEW_REPORTER,
    ),
    LEAD: (VIEW_BANKS, SCAN, LOOKUP_HASHES, *_MODERATE, ACT_ON_ESCALATED, BULK_ACT),
    MODERATOR: (VIEW_BANKS, SCAN, LOOKUP_HASHES, *_MODERATE),
    TRIAGE: (SCAN, LOOKUP_HASHES, VIEW_CASES, ACKNOWLEDGE_CASES),
    # Compliance hands hash lists to those entitled to them (an exchange, a regulator): it may
    # read a protected bank's hashes, with a reason and audited, but never change the bank.
    COMPLIANCE: (VIEW_BANKS, EXPORT_PROTECTED_BANKS, VIEW_AUDIT, VIEW_REPORTER, VIEW_CASES),
    AUDITOR: (VIEW_AUDIT,),
}

# What a platform's API key may do, by scope: the one place scopes become permissions.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "scan": (SCAN,),
    "lookup": (LOOKUP_HASHES,),
    "events": (SEND_EVENTS,),
    "reports": (SUBMIT_REPORTS,),
    "actions": (PULL_ACTIONS,),
    # Its own custom banks; protected banks stay out of reach whatever the scopes.
    "banks": (VIEW_BANKS, MANAGE_BANKS),
    # How its public links map to its ids, and where it serves media (the platform profile):
    # granted on purpose, since a key holding it decides which media hosts the desk loads.
    "platform": (CONFIGURE_PLATFORM,),
}
SCOPES = tuple(sorted(SCOPE_PERMISSIONS))
# A new key: every scope but its own banks and the platform profile.
DEFAULT_SCOPES = ("actions", "events", "lookup", "reports", "scan")


def scope_permissions(scopes: Iterable[str]) -> frozenset[str]:
    """The permissions a key with these scopes holds (unknown scopes grant nothing)."""
    return frozenset(p for s in scopes for p in SCOPE_PERMISSIONS.get(s, ()))


# What a new platform key may do (the default scopes).
PLATFORM_PERMISSIONS = scope_permissions(DEFAULT_SCOPES)


def ensure_roles(**_: Any) -> None:
    """Create the role groups and grant their permissions (idempotent; runs after migrate)."""
    # Imported here: the command line reads the scopes above before Django starts.
    from django.contrib.auth.models import Group, Permission

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
