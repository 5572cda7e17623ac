from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for ``make run`` (``manage.py seed_demo``): it builds on every other app."""

    name = "demo"
    verbose_name = "Demo"
