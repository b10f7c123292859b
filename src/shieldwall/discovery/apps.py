from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    """The account-hashtag graph, scored tag suggestions and accounts for review."""

    name = "shieldwall.discovery"
    label = "discovery"
