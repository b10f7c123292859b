from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The report flow (a data-defined step tree), report intake and report status."""

    name = "shieldwall.reports"
    label = "reports"
