from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """The Shieldwall integration: scanning uploads, sending events, applying actions."""

    name = "microblog.safety"
    label = "mb_safety"
    default_auto_field = "django.db.models.BigAutoField"
