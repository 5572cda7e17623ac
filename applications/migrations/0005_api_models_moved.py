# ApiToken and ApiAccessLog now belong to the api app (api/migrations/0001_initial.py takes them
# over); here they leave the applications app's state. No table changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0004_verbose_names'),
        ('api', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ApiAccessLog'),
                migrations.DeleteModel(name='ApiToken'),
            ],
            database_operations=[],
        ),
    ]
