from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The staff workspace under /review/: the queue, the deadlines calendar, case pages."""

    name = "reviews"
    verbose_name = _("Reviews")
