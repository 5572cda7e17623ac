# The audit chain's hash rule moves to what the API exports (the case reference, UTC "Z" times):
# the chain written with the first rule is verified, rewritten, verified again, and an
# audit_chain_migrated event records both heads (applications.audit.chain_migrate; docs/api.md).
# Reversing leaves the chain as it is: the earlier code cannot read the new rule, so a rollback
# of the code needs the chain restored from a backup taken before this migration.

from django.db import migrations

from applications.audit import chain_migrate


def forwards(apps, schema_editor):
    chain_migrate(
        event_model=apps.get_model("applications", "AuditEvent"),
        head_model=apps.get_model("applications", "AuditChainHead"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [("applications", "0006_data_items_insurance_cover_staff_language")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
