"""Admin pages: a read-only window on what the audited services keep.

Everything here is changed only through the services (the command line, the desk, the API),
each change in a transaction with its audit event; the admin can look but never add, edit or
delete (the bulk delete action goes with the delete permission). Feature apps register their
models with `ReadOnlyAdmin`; a test walks the admin site and fails on anything editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from shieldwall.core.models import ApiKey, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """An admin page to look at rows the services own: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor", "action", "subject_type", "subject_id")
    list_filter = ("action", "subject_type")
    search_fields = ("actor", "subject_id")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    # Created, scoped and revoked with `shieldwall apikey ...`, which shows a secret once.
    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")


# Roles are Django groups whose permissions `ensure_roles` sets after every migrate: an edit
# here would be silently undone, so the groups are shown, not edited.
admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ReadOnlyAdmin, GroupAdmin):
    pass


# Staff users and their roles change only through `shieldwall staff ...` (core.staff), which
# audits each change: here a superuser could otherwise grant roles or superuser unrecorded.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffAdmin(ReadOnlyAdmin, UserAdmin):
    list_display = ("username", "email", "is_active", "is_superuser", "last_login")
