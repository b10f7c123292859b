from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People on the microblog: sign-up, log-in, profiles and their handles."""

    name = "microblog.accounts"
    label = "mb_accounts"
    default_auto_field = "django.db.models.BigAutoField"
