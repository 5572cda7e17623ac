"""PostgreSQL: a GIN index over the bigrams of each entry's search text, so a search for part
of a Korean word (two syllables and up) stays an index lookup at 100k entries. SQLite has no
such index: the migration does nothing there and searches scan (fine at its sizes)."""

from django.db import migrations

INDEX = "register_entry_search_grams"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON register_registerentry "
            "USING gin (string_to_array(search_grams, ' '))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
