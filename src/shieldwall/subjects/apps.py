from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    """What the platform tells Shieldwall about: its media (and, later, accounts and posts)."""

    name = "shieldwall.subjects"
    label = "subjects"
