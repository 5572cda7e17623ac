"""Trigram indexes for the case search (``applications.selectors.case_text_q``), on
PostgreSQL only: the reference, the title and the organisation's name, each as ``UPPER(...)``,
the form Django's case-insensitive ``icontains`` compares. ``pg_trgm`` ships with PostgreSQL
and is a trusted extension (13 and later): the database's owner may create it. SQLite keeps
its scan (no such index there)."""

from django.db import migrations

INDEXES = (
    ("application_reference_trgm", "applications", "Application", "reference"),
    ("application_title_trgm", "applications", "Application", "title"),
    ("organization_name_trgm", "applications", "Organization", "name"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    quote = schema_editor.quote_name
    for name, app_label, model, column in INDEXES:
        table = apps.get_model(app_label, model)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"USING gin (UPPER({quote(column)}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _app_label, _model, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("applications", "0022_event_milestones_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
