from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The auditor API under /api/v1/: read-only, token or session authenticated."""

    name = "api"
    verbose_name = _("API")
