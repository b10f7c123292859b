from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """The in-memory match indices, their hot reload, and the scan verdict."""

    name = "shieldwall.matching"
    label = "matching"
