"""The audit events core records: API keys, staff accounts and the sign-in pause."""

from __future__ import annotations

from shieldwall.core.audit import EventType


class CoreEvent(EventType):
    """What an operator or the sign-in guard did to who may reach the service."""

    APIKEY_CREATED = "apikey.create"
    APIKEY_SCOPES_CHANGED = "apikey.scopes"
    APIKEY_REVOKED = "apikey.revoke"
    STAFF_CREATED = "staff.create"
    STAFF_ROLES_CHANGED = "staff.roles"
    STAFF_ENABLED = "staff.enable"
    STAFF_DISABLED = "staff.disable"
    LOGIN_PAUSED = "login.paused"
    LOGIN_UNPAUSED = "login.unpaused"
