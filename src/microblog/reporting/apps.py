from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """The `⋯` → "Report post" flow and "Your reports", through the Shieldwall SDK."""

    name = "microblog.reporting"
    label = "mb_reporting"
    default_auto_field = "django.db.models.BigAutoField"
