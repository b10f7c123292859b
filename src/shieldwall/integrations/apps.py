from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Actions for the platform: the outbox, signed webhooks and the pull API."""

    name = "shieldwall.integrations"
    label = "integrations"
