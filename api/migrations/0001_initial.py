# The API's tables were made by applications/migrations/0003_api_tokens.py. This migration takes
# them over in Django's state only: the tables, their rows and their names stay as they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0004_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(blank=True, max_length=100, verbose_name='name')),
                        ('prefix', models.CharField(db_index=True, max_length=12, verbose_name='prefix')),
                        ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(verbose_name='created at')),
                        ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used at')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked at')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API token',
                        'verbose_name_plural': 'API tokens',
                        'db_table': 'applications_apitoken',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ApiAccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True)),
                        ('role', models.CharField(blank=True, max_length=32)),
                        ('method', models.CharField(max_length=8)),
                        ('path', models.CharField(max_length=2000)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_accesses', to=settings.AUTH_USER_MODEL)),
                        ('token', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='accesses', to='api.apitoken')),
                    ],
                    options={
                        'verbose_name': 'API access',
                        'verbose_name_plural': 'API accesses',
                        'db_table': 'applications_apiaccesslog',
                        'ordering': ['-at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
