from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _setup_roles(**kwargs: Any) -> None:
    # Permissions of every app must exist before the role groups can be granted them.
    from django.contrib.auth.management import create_permissions

    from shieldwall.core.roles import ensure_roles

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_roles()


class CoreConfig(AppConfig):
    """Audit log, roles, API keys and the shared error type."""

    name = "shieldwall.core"
    label = "core"
    verbose_name = "Shieldwall core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from shieldwall.core.auth import on_logged_in, on_login_failed
        from shieldwall.core.logs import configure_structlog

        configure_structlog()
        user_login_failed.connect(on_login_failed, dispatch_uid="shieldwall.core.login_failed")
        user_logged_in.connect(on_logged_in, dispatch_uid="shieldwall.core.logged_in")
        post_migrate.connect(_setup_roles, sender=self, dispatch_uid="shieldwall.core.roles")
