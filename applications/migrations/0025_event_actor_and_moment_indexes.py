"""The API's event filters: by actor (a B-tree in chain order, both databases) and by moment
(a BRIN index, PostgreSQL only: the events are appended in time, so a summary of each block
range's first and last moment finds a range's blocks; a few dozen kilobytes for a million
events, and next to nothing to keep up on each append). SQLite keeps its scan for moments."""

from django.conf import settings
from django.db import migrations, models

BRIN = "auditevent_occurred_brin"


def create_brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("applications", "AuditEvent")._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(BRIN)} ON {quote(table)} USING brin (occurred_at)"
    )


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(BRIN)}")


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0024_api_filter_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_name", "seq"], name="auditevent_actor_seq"),
        ),
        migrations.RunPython(create_brin, drop_brin, elidable=False),
    ]
