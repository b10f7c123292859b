"""API keys carry scopes. Keys that existed before keep every scope they effectively had.

Before scopes, every key could scan, look up, send events and reports, pull actions and
manage banks. (The platform profile came with scopes: `platform` is granted on purpose.) Taking any of that away on upgrade would break a running platform, so existing
keys get every scope, `banks` included; the bank guard still keeps them off protected banks
and off banks they did not create. Narrow them with `shieldwall apikey scopes NAME --scope ...`.
"""

from django.db import migrations, models

# Frozen here: the scopes as they were when this migration was written.
EVERY_SCOPE = ["actions", "banks", "events", "lookup", "reports", "scan"]


def grant_existing_keys_every_scope(apps, schema_editor):
    ApiKey = apps.get_model("core", "ApiKey")
    ApiKey.objects.all().update(scopes=EVERY_SCOPE)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_rate_windows")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(
                default=list, help_text="what the key may do (the apps' permissions.GRANTS)"
            ),
        ),
        migrations.RunPython(grant_existing_keys_every_scope, migrations.RunPython.noop),
    ]
