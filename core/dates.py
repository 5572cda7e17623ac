"""Dates and times as people read them in a sentence: in the active language's format
(``2026년 5월 12일`` / ``12 May 2026``), never ISO. Messages that name a date use these so a
Korean sentence never carries ``2026-05-12``."""

from __future__ import annotations

import datetime as dt

from django.utils import formats


def human_date(value: dt.date | None) -> str:
    """A day (a datetime is read as its date) in the active language; ``""`` for none."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    return str(formats.date_format(day, "DATE_FORMAT"))


def human_datetime(value: dt.datetime | None) -> str:
    """A moment, as given (convert to the right time zone first), in the active language."""
    if value is None:
        return ""
    return str(formats.date_format(value, "DATETIME_FORMAT"))
