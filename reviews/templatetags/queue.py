"""Template filters of the review queue."""

from __future__ import annotations

from django import template
from django.utils import formats

from reviews.selectors import COUNT_CAP

register = template.Library()


@register.filter
def capped(value: int, cap: int | None = None) -> str:
    """A count from the queue page: grouped in the reader's locale, and "1,000+" past the cap
    (the count stopped there; ``reviews.selectors.COUNT_CAP`` unless another is given)."""
    cap = COUNT_CAP if cap is None else cap
    if value > cap:
        return formats.number_format(cap, force_grouping=True) + "+"
    return formats.number_format(value, force_grouping=True)
