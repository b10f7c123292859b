"""Shieldwall's own Django apps, in order: INSTALLED_APPS ends with them, and the command
line reads them (before Django starts) to find each app's subcommands."""

SHIELDWALL_APPS = (
    "shieldwall.core",
    "shieldwall.subjects",
    "shieldwall.banks",
    "shieldwall.matching",
    "shieldwall.terms",
    "shieldwall.integrations",
    "shieldwall.reports",
    "shieldwall.cases",
    "shieldwall.discovery",
)
