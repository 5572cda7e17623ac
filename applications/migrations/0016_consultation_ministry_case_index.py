from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0015_expiry_reminders_on_the_case_and_partial_sweep_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='consultation',
            index=models.Index(fields=['ministry', 'application'], name='consultation_ministry_case'),
        ),
    ]
