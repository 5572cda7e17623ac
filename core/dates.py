"""Dates and times as people read them in a sentence: in the active language's format
(``2026년 5월 12일`` / ``12 May 2026``), never ISO. Messages that name a date use these so a
Korean sentence never carries ``2026-05-12``."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, translation


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


# The conventions the portal, its emails and the receipt follow (DESIGN: "in the reader's
# locale"): 2028년 7월 23일 · 오후 10:20 · 1,000,000,000원 in Korean; 23 July 2028 · 10:20 p.m. ·
# KRW 1,000,000,000 in English. The templates' ``date`` filter writes the same dates and times
# (``sandbox/formats``: Django's own English reads "July 23, 2028" and its Korean puts 오후
# after the time).

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _korean() -> bool:
    return (translation.get_language() or "ko").startswith("ko")


def reader_date(value: dt.date | None) -> str:
    """``2028년 7월 23일`` / ``23 July 2028`` in the active language; ``""`` for none."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    if _korean():
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def reader_time(value: dt.datetime | dt.time | None) -> str:
    """``오후 10:20`` / ``10:20 p.m.`` (give a moment already in the reader's time zone)."""
    if value is None:
        return ""
    hour12 = value.hour % 12 or 12
    if _korean():
        return f"{'오전' if value.hour < 12 else '오후'} {hour12}:{value.minute:02d}"
    return f"{hour12}:{value.minute:02d} {'a.m.' if value.hour < 12 else 'p.m.'}"


def reader_moment(value: dt.datetime | None) -> str:
    """``2028년 7월 23일 오후 10:20`` / ``23 July 2028, 10:20 p.m.``."""
    if value is None:
        return ""
    if _korean():
        return f"{reader_date(value)} {reader_time(value)}"
    return f"{reader_date(value)}, {reader_time(value)}"


def reader_amount(won: int | None) -> str:
    """``1,000,000,000원`` / ``KRW 1,000,000,000``; ``""`` for none."""
    if won is None:
        return ""
    return f"{won:,}원" if _korean() else f"KRW {won:,}"
