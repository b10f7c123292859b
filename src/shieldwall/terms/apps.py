from django.apps import AppConfig


class TermsConfig(AppConfig):
    """Rules for hashtags and searches, the normaliser behind them, and their checks."""

    name = "shieldwall.terms"
    label = "terms"
