"""The case tally (``applications.tally``): its table, then the triggers on the cases' table
that keep it, and every case counted. Undone, the triggers go before the table (SQLite would
otherwise refuse every later change of the cases' table: its triggers would name a table that
no longer exists). The triggers' SQL is the module's, which ``migrate`` also runs afterwards
(``tally.ensure``) to put them back where SQLite's table remakes dropped them."""

from django.db import migrations, models


def triggers_on(apps, schema_editor):
    from applications import tally

    with schema_editor.connection.cursor() as cursor:
        tally.install(cursor)
        tally.recount(cursor)


def triggers_off(apps, schema_editor):
    from applications import tally

    with schema_editor.connection.cursor() as cursor:
        tally.uninstall(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0025_event_actor_and_moment_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("program_id", models.BigIntegerField(verbose_name="programme")),
                ("status", models.CharField(max_length=50, verbose_name="status")),
                ("officer_id", models.BigIntegerField(null=True, verbose_name="assigned officer")),
                ("n", models.IntegerField(verbose_name="change")),
            ],
            options={
                "verbose_name": "case tally",
                "verbose_name_plural": "case tallies",
                "indexes": [
                    models.Index(fields=["program_id", "status"], name="case_tally_program"),
                    models.Index(fields=["officer_id", "status"], name="case_tally_officer"),
                ],
            },
        ),
        migrations.RunPython(triggers_on, triggers_off),
    ]
