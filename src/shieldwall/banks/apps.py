from django.apps import AppConfig


class BanksConfig(AppConfig):
    """Hash banks of known media: entries, import and export, exchanges."""

    name = "shieldwall.banks"
    label = "banks"
