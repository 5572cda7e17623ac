from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The applicant portal under /apply/: dashboard, application form, case pages."""

    name = "portal"
    verbose_name = _("Applicant portal")
