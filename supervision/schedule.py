"""The reporting schedule, as pure rules: data in, planned reports out (no database).

A waiver's reports come from two places (DOMAIN §5.1):

- the track's settings: a periodic report for every ``report_interval_months`` of the term, due
  ``report_due_days`` after its period, and a final (result) report due ``final_report_days``
  after the term ends (ICP: within 30 days);
- the decision's conditions: a condition that asks for reports at an interval ("매월 운행 실적을
  보고할 것", "report monthly on …") or for a final or result report. A stricter interval in a
  condition replaces the track's (one series, never two overlapping ones), and the reports then
  name the condition they come from.

Periodic periods run back to back from the term's start; while a final report is due, the
last stretch of the term is covered by it rather than by one more periodic report.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Interval words in English and Korean, each with its months. Checked in this order, so
# "every three months" is not read as "monthly".
_INTERVALS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (
        12,
        re.compile(r"annual|yearly|every year|once a year|매년|연\s*1\s*회|1년마다|연간", re.I),
    ),
    (6, re.compile(r"half-year|semi-annual|every six months|반기|6\s*개월마다", re.I)),
    (3, re.compile(r"quarter|every three months|분기|3\s*개월마다", re.I)),
    (1, re.compile(r"month|매월|매달|월간|월\s*1\s*회", re.I)),
)
_EVERY_N_MONTHS = re.compile(r"every\s+(\d{1,2})\s+months|(\d{1,2})\s*개월\s*마다", re.I)
_REPORT = re.compile(r"report|보고", re.I)
_FINAL = re.compile(
    r"final report|result report|exit report|결과\s*보고|최종\s*보고|종료\s*보고", re.I
)


@dataclass(frozen=True)
class Duty:
    """A reporting duty found in a numbered condition."""

    condition_number: int
    months: int | None  # a periodic duty's interval
    final: bool = False


def report_duties(conditions: Sequence[str]) -> list[Duty]:
    """The reporting duties in a decision's conditions (numbered from 1, as on the letter)."""
    duties: list[Duty] = []
    for number, text in enumerate(conditions, start=1):
        if not _REPORT.search(text):
            continue
        if _FINAL.search(text):
            duties.append(Duty(number, None, final=True))
            continue
        counted = _EVERY_N_MONTHS.search(text)
        if counted:
            months: int | None = int(counted.group(1) or counted.group(2)) or None
        else:
            months = next((m for m, pattern in _INTERVALS if pattern.search(text)), None)
        if months is not None:
            duties.append(Duty(number, months))
    return duties


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Rules:
    """What the schedule reads of the track's settings."""

    interval_months: int
    due_days: int
    final_days: int | None


@dataclass(frozen=True)
class Planned:
    kind: str  # "periodic" or "final"
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date
    condition_number: int | None = None


DEFAULT_FINAL_DAYS = 30


def plan(
    *, term_start: dt.date, term_end: dt.date, rules: Rules | None, conditions: Sequence[str]
) -> list[Planned]:
    """Every report of a waiver with this term, in due-date order. ``rules`` is None for a track
    without supervision settings: then only the conditions' duties make reports."""
    duties = report_duties(conditions)
    interval, source = (rules.interval_months if rules else 0), None
    for duty in duties:
        if duty.months is not None and (interval == 0 or duty.months < interval):
            interval, source = duty.months, duty.condition_number
    due_days = rules.due_days if rules else DEFAULT_FINAL_DAYS
    final_duty = next((d for d in duties if d.final), None)
    final_days = rules.final_days if rules else None
    if final_days is None and final_duty is not None:
        final_days = DEFAULT_FINAL_DAYS
    planned: list[Planned] = []
    if interval:
        index = 0
        while True:
            start = add_months(term_start, index * interval)
            end = add_months(term_start, (index + 1) * interval) - dt.timedelta(days=1)
            if start > term_end:
                break
            if end >= term_end:
                if final_days is not None:
                    break  # the final report covers the last stretch
                end = term_end
            planned.append(
                Planned("periodic", start, end, end + dt.timedelta(days=due_days), source)
            )
            index += 1
    if final_days is not None:
        planned.append(
            Planned(
                "final",
                term_start,
                term_end,
                term_end + dt.timedelta(days=final_days),
                final_duty.condition_number if final_duty else None,
            )
        )
    return sorted(planned, key=lambda p: (p.due_on, p.kind != "periodic"))
