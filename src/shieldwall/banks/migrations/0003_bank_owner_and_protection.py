"""Banks belong to the platform key that created them; protected banks get their permissions.

A key may change only custom banks it owns (banks/guard.py). For banks that existed before,
the owner is read back from the audit log: the key that wrote a bank's `bank.create` event
owns it if the bank is still custom and no exchange fills it. Every other bank is left
without an owner, so only staff may change it, and a bank named `platform-removed` (the name
Shieldwall banks removed media under, reserved from now on) is made that protected bank.
"""

import django.db.models.deletion
from django.db import migrations, models

PROTECTED_KINDS = ("verified_csam", "ncii", "platform_removed")  # frozen as of this migration


def owners_from_the_audit_log(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    ApiKey = apps.get_model("core", "ApiKey")
    Bank = apps.get_model("banks", "Bank")
    BankExchange = apps.get_model("banks", "BankExchange")
    keys = dict(ApiKey.objects.values_list("name", "pk"))
    filled = set(BankExchange.objects.values_list("bank_id", flat=True))
    created = AuditEvent.objects.filter(
        action="bank.create", subject_type="bank", actor__startswith="apikey:"
    ).values_list("actor", "subject_id")
    for actor, subject_id in created.iterator():
        key_id = keys.get(actor.removeprefix("apikey:"))
        if key_id is None or not subject_id.isdigit() or int(subject_id) in filled:
            continue
        Bank.objects.filter(pk=int(subject_id), owner__isnull=True).exclude(
            kind__in=PROTECTED_KINDS
        ).update(owner_id=key_id)
    # The name Shieldwall banks removed media under is Shieldwall's: a bank a key made with it
    # before it was reserved becomes the protected platform-removed bank, owned by no key.
    Bank.objects.filter(name="platform-removed").update(kind="platform_removed", owner=None)


class Migration(migrations.Migration):
    dependencies = [
        ("banks", "0002_bankexchange"),
        ("core", "0005_apikey_scopes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="bank",
            options={
                "ordering": ["name"],
                "permissions": [
                    ("manage_bank", "Create banks and change their entries"),
                    ("scan_media", "Scan media against the banks"),
                    ("lookup_hashes", "Look up hashes against the banks"),
                    (
                        "manage_protected_bank",
                        "Change protected banks (verified CSAM, NCII, platform-removed, exchange-filled)",
                    ),
                    ("export_protected_bank", "Read and export the hashes of protected banks"),
                ],
            },
        ),
        migrations.AddField(
            model_name="bank",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="the platform key that created it and may change it; none: staff only",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="banks",
                to="core.apikey",
            ),
        ),
        migrations.RunPython(owners_from_the_audit_log, migrations.RunPython.noop),
    ]
