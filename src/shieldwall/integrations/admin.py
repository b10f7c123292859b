"""Admin pages for actions and webhooks (read-only: changes go through the audited services)."""

from __future__ import annotations

from django.contrib import admin

from shieldwall.core.admin import ReadOnlyAdmin
from shieldwall.integrations.models import Action, Delivery, WebhookEndpoint


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "kind", "subject_type", "subject_id", "reason", "created_at")
    list_filter = ("kind", "ack_status")
    search_fields = ("public_id", "subject_id")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "url", "enabled", "created_at", "rotated_at")
    fields = ("url", "enabled", "created_at", "rotated_at")  # never the secrets


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "action", "endpoint", "status", "attempts", "next_attempt_at")
    list_filter = ("status",)
    list_select_related = ("action", "endpoint")
    raw_id_fields = ("action", "endpoint")
