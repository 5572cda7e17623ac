"""Template filters of the review queue."""

from __future__ import annotations

from django import template
from django.utils import formats

from reviews.selectors import COUNT_CAP

register = template.Library()


@register.filter
def capped(value: int) -> str:
    """A count from the queue page: grouped in the reader's locale, and "1,000+" past the cap
    (the count stopped there; see ``reviews.selectors.COUNT_CAP``)."""
    if value > COUNT_CAP:
        return formats.number_format(COUNT_CAP, force_grouping=True) + "+"
    return formats.number_format(value, force_grouping=True)
