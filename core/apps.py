from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses: domain errors, the API error mapping, accessible forms, email."""

    name = "core"
    verbose_name = "Core"
