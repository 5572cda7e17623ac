"""A count as pages show it when counting stopped at a cap: the review queue's tabs and
workload panel, the staff header's unread notifications."""

from __future__ import annotations

from django.utils import formats


def capped_text(value: int, cap: int) -> str:
    """``value`` grouped in the reader's locale, or the cap and "+" past it (the count stopped
    there: "100+")."""
    if value > cap:
        return formats.number_format(cap, force_grouping=True) + "+"
    return formats.number_format(value, force_grouping=True)
