"""The queue's rows from kept SQL (``reviews.selectors.queue_page_for``): for every persona,
tab, sort, filter set and cursor direction, the page, its links and the SQL sent equal what
``queue_page`` over a freshly built and compiled queue gives, on both databases (each test
runs in both passes of ``make test``); and a second page view compiles nothing."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from core.keyset import BadCursor, KeysetPage, encode_cursor
from reviews import selectors
from reviews.selectors import QueueFilters
from tests.builders import World, drive
from tests.reviews.helpers import signed_in
from tests.reviews.test_queue_keyset import SORTS, _some_without_deadlines, _story

pytestmark = pytest.mark.django_db

PERSONAS = ("officer", "consultee", "decider", "foreign_officer", "auditor")


def _fresh_user(world: World, name: str) -> User:
    return User.objects.get(pk=world.persona(name).pk)


def _shown(page: KeysetPage[Application]) -> Any:
    """Everything the queue's table reads of a page, and its links."""
    rows = [
        (
            app.pk,
            app.reference,
            app.title,
            app.status,
            app.due_at,
            app.clock_paused_at,
            app.term_end,
            app.submitted_at,
            app.program.name,
            app.program.name_en,
            app.program.time_zone,
            app.track.name,
            app.track.name_en,
            app.organization.name,
            app.assigned_officer.email if app.assigned_officer else None,
            getattr(app, selectors.OPINION_DUE, None),  # the Consultations tab's deadline
            sorted(app.get_deferred_fields()),
        )
        for app in page.rows
    ]
    return rows, page.next_cursor, page.previous_cursor


def _both(
    user: Any, tab: str, filters: QueueFilters, today: Any, now: dt.datetime, cursor: str
) -> KeysetPage[Application]:
    """The kept page, checked against a fresh compile's: the same rows, links and SQL sent."""
    with CaptureQueriesContext(connection) as kept_sent:
        kept = selectors.queue_page_for(
            user=user, tab=tab, filters=filters, today=today, now=now, cursor=cursor, size=2
        )
    queue = selectors.review_queue_for(user=user, tab=tab, filters=filters, now=now, today=today)
    with CaptureQueriesContext(connection) as fresh_sent:
        fresh = selectors.queue_page(
            selectors.shown_columns(queue), tab=tab, sort=filters.sort, cursor=cursor, size=2
        )
    assert _shown(kept) == _shown(fresh), (tab, filters, cursor)
    assert _cases(kept_sent) == _cases(fresh_sent), (tab, filters)
    return kept


def _cases(sent: CaptureQueriesContext) -> list[str]:
    """The case queries sent (the first ask also reads the user's staff profile), a value kept
    from the planner (``(SELECT 7)``, *Mine*'s officer on PostgreSQL) read as the value."""
    return [
        re.sub(r"\(SELECT (\d+)\)", r"\1", q["sql"])
        for q in sent
        if 'FROM "applications_application"' in q["sql"]
    ]


def _walk(user: Any, tab: str, filters: QueueFilters, today: Any, now: dt.datetime) -> int:
    """Every page forwards, then back from the last, each compared; how many pages."""
    page = _both(user, tab, filters, today, now, "")
    pages = 1
    while page.next_cursor:
        page = _both(user, tab, filters, today, now, page.next_cursor)
        pages += 1
    while page.previous_cursor:
        page = _both(user, tab, filters, today, now, page.previous_cursor)
    return pages


def _filter_sets(world: World) -> list[QueueFilters]:
    return [
        QueueFilters(status=S.UNDER_REVIEW),
        QueueFilters(track=world.confirmation.pk, sort="-submitted"),
        QueueFilters(program=world.program.pk, sort="reference"),
        QueueFilters(assignee="none", sort="-deadline"),
        QueueFilters(assignee=str(world.officer.pk)),
        QueueFilters(overdue=True),
        QueueFilters(q="50%_off\\"),  # LIKE's own characters, escaped as the ORM escapes them
        QueueFilters(q=" 2 ", sort="submitted"),
        QueueFilters(status=S.SUBMITTED, program=world.program.pk, overdue=True, q="a"),
    ]


def _scenario(world: World) -> None:
    _story(world)
    _some_without_deadlines()  # cursors whose value is empty
    selectors._ROWS_SQL.clear()
    walked = 0
    for days in (0, 200):  # today, and later: cases overdue, other programme dates
        now = timezone.now() + dt.timedelta(days=days)
        today = selectors.programme_days(selectors.programme_zones(), now)
        for name in PERSONAS:
            user = _fresh_user(world, name)
            for tab in selectors.TAB_SLUGS:
                for sort in SORTS:
                    walked += _walk(user, tab, QueueFilters(sort=sort), today, now)
            for filters in _filter_sets(world):
                for tab in ("all", "new", "mine"):
                    _walk(user, tab, filters, today, now)
    assert walked > len(PERSONAS) * len(selectors.TAB_SLUGS) * len(SORTS) * 2  # pages walked


def test_kept_rows_equal_a_fresh_compile_for_every_tab_sort_filter_and_cursor(
    world: World,
) -> None:
    _scenario(world)


def test_a_second_page_compiles_nothing(world: World) -> None:
    cases = [drive(world, S.SUBMITTED) for _ in range(5)]
    selectors._ROWS_SQL.clear()
    officer = _fresh_user(world, "officer")
    now = timezone.now() + dt.timedelta(days=365)  # every one of them overdue
    today = selectors.programme_days(selectors.programme_zones(), now)
    assert len(cases) == 5
    for sort in SORTS:
        # every filter whose value is a parameter (a search's text is written into its SQL)
        filters = QueueFilters(sort=sort, overdue=True, assignee="none", status=S.SUBMITTED)
        page = functools.partial(
            selectors.queue_page_for,
            user=officer,
            tab="all",
            filters=filters,
            today=today,
            now=now,
            size=2,
        )
        first = page()
        page(cursor=first.next_cursor)  # the walking shape: compiled once
        with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as as_sql:
            again = page()
            second = page(cursor=first.next_cursor)
        as_sql.assert_not_called()
        assert [a.pk for a in again.rows] == [a.pk for a in first.rows]
        assert second.rows and not {a.pk for a in second.rows} & {a.pk for a in first.rows}


def test_a_second_queue_page_view_compiles_no_case_query(world: World) -> None:
    for _ in range(3):
        drive(world, S.SUBMITTED)
    client = signed_in(world.officer)
    compiled: list[Any] = []
    original = SQLCompiler.as_sql

    def spy(compiler: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(compiler.query.model)
        return original(compiler, *args, **kwargs)

    for tab in ("active", "all"):
        assert client.get(f"/review/?tab={tab}").status_code == 200
        compiled.clear()
        with mock.patch.object(SQLCompiler, "as_sql", spy):
            response = client.get(f"/review/?tab={tab}")
        assert response.status_code == 200
        assert Application not in compiled, tab


def test_a_cursor_with_an_id_no_row_can_have_is_refused(world: World) -> None:
    officer = _fresh_user(world, "officer")
    today = selectors.programme_days(selectors.programme_zones())
    for pk in (2**63, -(2**63) - 1):
        cursor = encode_cursor("2026-01-01T00:00:00+00:00", pk, "n")
        with pytest.raises(BadCursor):
            selectors.queue_page_for(
                user=officer, tab="all", filters=QueueFilters(), today=today, cursor=cursor
            )


def test_the_kept_rows_are_bounded(world: World, monkeypatch: Any) -> None:
    for _ in range(3):
        drive(world, S.SUBMITTED)
    monkeypatch.setattr(selectors, "ROWS_SQL_KEPT", 2)
    selectors._ROWS_SQL.clear()
    officer = _fresh_user(world, "officer")
    now = timezone.now()
    today = selectors.programme_days(selectors.programme_zones(), now)
    for sort in SORTS:  # five keys through a store of two, each page still the fresh one's
        _both(officer, "all", QueueFilters(sort=sort), today, now, "")
        assert len(selectors._ROWS_SQL) <= 2


def test_the_officers_of_one_ministry_share_the_mine_tabs_sql(world: World) -> None:
    """*Mine*'s officer is a parameter of the kept rows' SQL, not part of its text: the lead
    ministry's two officers each see their own cases from one compiled query."""
    app = drive(world, S.UNDER_REVIEW)
    assert app.assigned_officer == world.officer
    selectors._ROWS_SQL.clear()
    today = selectors.programme_days(selectors.programme_zones())
    shown = {}
    for name in ("officer", "other_officer", "officer"):
        page = selectors.queue_page_for(
            user=_fresh_user(world, name), tab="mine", filters=QueueFilters(), today=today
        )
        shown[name] = [case.pk for case in page.rows]
    assert shown == {"officer": [app.pk], "other_officer": []}
    assert len(selectors._ROWS_SQL) == 1
    if connection.vendor == "postgresql":
        # The officer kept from the planner (``(SELECT …)``), its one parameter: PostgreSQL's
        # plan for the officer at hand is the plan for any, and it keeps that one plan.
        (rows,) = selectors._ROWS_SQL.values()
        statement = rows.statement({"officer": world.officer.pk})
        assert statement is not None
        sql, params = statement
        assert params == (world.officer.pk,)
        assert sql.count("%s") == sql.count("(SELECT %s)") == 1
