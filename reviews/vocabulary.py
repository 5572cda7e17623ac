"""The review workspace's audit actions (events with no case) and how they read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Wording


class ReviewAction(models.TextChoices):
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"


REVIEW_WORDING: dict[str, Wording] = {
    ReviewAction.TWO_FACTOR_ENROLLED: Wording(_("Two-factor sign-in set up"), None),
}
