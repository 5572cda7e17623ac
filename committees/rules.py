"""Pure rules of committee meetings: quorum, the majority a result needs, and how a meeting is
cited (data in, answers out; no database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext as _

from core.dates import MONTHS_EN


def quorum_required(*, configured: int | None, in_office: int) -> int:
    """Members who must be present: the committee's number, or else a majority of those in
    office on the day (재적위원 과반수)."""
    if configured:
        return configured
    return in_office // 2 + 1 if in_office else 0


def majority_problem(*, choices: Mapping[int, str], voters: int) -> str | None:
    """A result stands when more than half of the members who may vote on it (present and not
    recused) vote for it (출석위원 과반수 찬성)."""
    in_favour = sum(1 for choice in choices.values() if choice == "for")
    if voters <= 0:
        return _("No member present may vote on this item.")
    if in_favour * 2 <= voters:
        return _(
            "The result needs a majority of the %(voters)s members present who may vote: "
            "%(for)s voted for it."
        ) % {"voters": voters, "for": in_favour}
    return None


def ordinal_en(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def meeting_reference(*, name: str, number: int, day: dt.date, language: str) -> str:
    """How decisions and letters cite a meeting: ``제3차 신기술·서비스 심의위원회 (2026년 5월 12일)``
    in Korean, ``3rd meeting of the … Committee (12 May 2026)`` in English: the date as
    people write it, never ISO (the reference is stored, and printed in letters)."""
    if language == "en":
        return f"{ordinal_en(number)} meeting of the {name} ({day.day} {MONTHS_EN[day.month - 1]} {day.year})"
    return f"제{number}차 {name} ({day.year}년 {day.month}월 {day.day}일)"


def start_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of ``day`` in the time zone ``tz`` (as an aware moment)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)
