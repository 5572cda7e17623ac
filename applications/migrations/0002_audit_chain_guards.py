"""Create the chain head and, on PostgreSQL, a trigger that refuses UPDATE and DELETE of events."""

from django.db import migrations

GENESIS_HASH = "0" * 64

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION applications_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused on event %)', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER applications_auditevent_append_only
    BEFORE UPDATE OR DELETE ON applications_auditevent
    FOR EACH ROW EXECUTE FUNCTION applications_auditevent_append_only();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS applications_auditevent_append_only ON applications_auditevent;
DROP FUNCTION IF EXISTS applications_auditevent_append_only();
"""


def create_head(apps, schema_editor):
    head_model = apps.get_model("applications", "AuditChainHead")
    head_model.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})


def trigger(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(trigger(CREATE_TRIGGER), trigger(DROP_TRIGGER)),
    ]
