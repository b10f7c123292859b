"""Key the audit chain and guard its head, on PostgreSQL and SQLite alike.

Events already recorded were hashed with plain SHA-256. They are not rewritten: the head
records `keyed_from`, the first seq hashed with SHIELDWALL_AUDIT_KEY, and is sealed with that
key, so `audit verify` checks the older events as unkeyed and says so.

Triggers then refuse, in the database itself: changing or deleting an event (SQLite now too;
PostgreSQL since 0002), truncating either table (PostgreSQL), deleting the head, and moving
the head anywhere but one event forward onto an event that exists.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64

SQLITE_INSTALL = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END""",
    """CREATE TRIGGER core_audithead_no_delete BEFORE DELETE ON core_audithead
       BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END""",
    """CREATE TRIGGER core_audithead_forward_only BEFORE UPDATE ON core_audithead
       WHEN NEW.id != OLD.id OR NEW.keyed_from != OLD.keyed_from
         OR NEW.last_seq != OLD.last_seq + 1
         OR NOT EXISTS (SELECT 1 FROM core_auditevent
                        WHERE seq = NEW.last_seq AND hash = NEW.last_hash)
       BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward, one event at a time'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS core_audithead_no_delete",
    "DROP TRIGGER IF EXISTS core_audithead_forward_only",
]

POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION shieldwall_audit_head_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'the audit head cannot be deleted';
        END IF;
        IF NEW.id <> OLD.id OR NEW.keyed_from <> OLD.keyed_from
           OR NEW.last_seq <> OLD.last_seq + 1
           OR NOT EXISTS (SELECT 1 FROM core_auditevent
                          WHERE seq = NEW.last_seq AND hash = NEW.last_hash) THEN
            RAISE EXCEPTION 'the audit head only moves forward, one event at a time';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_audithead_forward_only
       BEFORE UPDATE OR DELETE ON core_audithead
       FOR EACH ROW EXECUTE FUNCTION shieldwall_audit_head_guard()""",
    """CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION shieldwall_audit_append_only()""",
    """CREATE TRIGGER core_audithead_no_truncate BEFORE TRUNCATE ON core_audithead
       FOR EACH STATEMENT EXECUTE FUNCTION shieldwall_audit_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_audithead_no_truncate ON core_audithead",
    "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent",
    "DROP TRIGGER IF EXISTS core_audithead_forward_only ON core_audithead",
    "DROP FUNCTION IF EXISTS shieldwall_audit_head_guard()",
]


def install_guards(connection):
    """Create this migration's triggers (also used by tests that put them back)."""
    statements = {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(
        connection.vendor, []
    )
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def drop_guards(connection):
    """Remove this migration's triggers."""
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.vendor, [])
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def seal_head(apps, schema_editor):
    # The same formula as shieldwall.core.audit_seal.head_seal, frozen here.
    AuditHead = apps.get_model("core", "AuditHead")
    head, _ = AuditHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS})
    head.keyed_from = head.last_seq + 1
    message = "\n".join(
        str(p) for p in ("shieldwall-audit-head", head.last_seq, head.last_hash, head.keyed_from)
    ).encode()
    key = settings.SHIELDWALL.audit_key.encode()
    head.seal = hmac.new(key, message, hashlib.sha256).hexdigest()
    head.save(update_fields=["keyed_from", "seal"])


def forward_guards(apps, schema_editor):
    install_guards(schema_editor.connection)


def backward_guards(apps, schema_editor):
    drop_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_trigger")]
    operations = [
        migrations.AddField(
            model_name="audithead",
            name="keyed_from",
            field=models.BigIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="audithead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal_head, migrations.RunPython.noop),
        migrations.RunPython(forward_guards, backward_guards),
    ]
