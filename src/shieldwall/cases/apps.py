from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Cases: reports grouped by subject, prioritised, and decided by moderators."""

    name = "shieldwall.cases"
    label = "cases"
