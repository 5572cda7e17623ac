"""Dates, times and amounts in the reader's conventions (core/dates.py and the Korean date-time
format): 2028년 7월 23일 · 오후 10:20 · 1,000,000,000원 / 23 July 2028 · 10:20 p.m. · KRW
1,000,000,000."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, translation

from core.dates import reader_amount, reader_date, reader_moment, reader_time

EVENING = dt.datetime(2028, 7, 23, 22, 20)
MORNING = dt.datetime(2028, 1, 5, 0, 5)


def test_korean_conventions():
    with translation.override("ko"):
        assert reader_date(EVENING) == "2028년 7월 23일"
        assert reader_time(EVENING) == "오후 10:20"
        assert reader_moment(EVENING) == "2028년 7월 23일 오후 10:20"
        assert reader_moment(MORNING) == "2028년 1월 5일 오전 12:05"
        assert reader_amount(1_000_000_000) == "1,000,000,000원"
        # Django's own Korean date-time format, used by every page, puts 오후 first too
        assert formats.date_format(EVENING, "DATETIME_FORMAT") == "2028년 7월 23일 오후 10:20"


def test_english_conventions():
    with translation.override("en"):
        assert reader_date(EVENING.date()) == "23 July 2028"
        assert reader_time(EVENING) == "10:20 p.m."
        assert reader_moment(EVENING) == "23 July 2028, 10:20 p.m."
        assert reader_moment(MORNING) == "5 January 2028, 12:05 a.m."
        assert reader_amount(1_000_000_000) == "KRW 1,000,000,000"
        # and the pages' date filter writes what the sentences do, not Django's "July 23, 2028"
        for moment in (EVENING, MORNING):
            assert formats.date_format(moment, "DATETIME_FORMAT") == reader_moment(moment)
            assert formats.date_format(moment.date(), "DATE_FORMAT") == reader_date(moment)


def test_nothing_reads_as_nothing():
    assert reader_date(None) == reader_time(None) == reader_moment(None) == reader_amount(None)
    assert reader_amount(None) == ""
