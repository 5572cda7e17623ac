"""A count as pages show it when counting stopped at a cap: the review queue's tabs and
workload panel, the staff header's unread notifications."""

from __future__ import annotations

from django.utils import formats


def capped_text(value: int, cap: int) -> str:
    """``value`` grouped in the reader's locale, or the cap and "+" past it (the count stopped
    there: "100+")."""
    if value > cap:
        return grouped(cap) + "+"
    return grouped(value)


def grouped(value: int) -> str:
    """``formats.number_format(value, force_grouping=True)``. Below 1,000 no locale groups
    anything (Django's locales group by three or four digits), so the digits are written
    straight away: the queue page shows a dozen such counts, each a settings and format
    look-up in the reader's language otherwise."""
    if 0 <= value < 1000:
        return str(value)
    return formats.number_format(value, force_grouping=True)
