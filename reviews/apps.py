from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The staff workspace under /review/: two-factor sign-in, the queue, case pages."""

    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Imported here, as Django asks: models are loaded only by now.
        from applications import vocabulary
        from reviews.vocabulary import REVIEW_WORDING, ReviewAction

        vocabulary.register(ReviewAction, REVIEW_WORDING)
