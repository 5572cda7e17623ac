"""The queue's tab counts (issue 18): each stops at ``COUNT_CAP`` and its SQL is kept per process
for everything it depends on (``reviews.selectors._counts_key``). What is kept is only the
query's text: after every kind of change (services, bulk assignment, the deadline sweep, a
person moving ministry, a programme's day turning) the counts equal a plain count of each
tab's condition built afresh, on both databases (each test runs in both passes of ``make
test``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from applications import services
from applications.deadlines import sweep
from applications.models import Application, Program
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from reviews import selectors
from sanctions import services as sanctions
from tests.builders import World, drive
from tests.factories import make_user
from tests.prepared import plans_of
from tests.supervision.helpers import file_notice, report_incident

pytestmark = pytest.mark.django_db

PERSONAS = ("officer", "other_officer", "consultee", "decider", "foreign_officer", "auditor")


def _fresh(world: World, name: str) -> User:
    """The persona as a new request would load it (nothing cached on the object)."""
    return User.objects.get(pk=world.persona(name).pk)


def _exact(user: Any, cap: int) -> dict[str, int]:
    """Each tab's count from its condition built now, counted in full, then capped."""
    counts = {}
    for tab in selectors.TABS:
        condition = selectors.scope_q(user) & selectors.tab_q(user, tab.slug)
        counts[tab.slug] = min(Application.objects.filter(condition).count(), cap + 1)
    return counts


def _leads() -> dict[int, int]:
    return dict(Program.objects.values_list("pk", "lead_ministry_id"))


def _figures(workload: list[selectors.Workload]) -> list[tuple[int, int, int, int]]:
    return [(w.officer.pk, w.in_review, w.in_force, w.overdue) for w in workload]


def _check(world: World, step: str) -> None:
    for name in PERSONAS:
        user = _fresh(world, name)
        for cap in (selectors.COUNT_CAP, 1):
            assert selectors.tab_counts(user=user, cap=cap) == _exact(user, cap), (step, name, cap)
        # The workload panel's kept SQL, with the moment put in afresh: the same figures as
        # the workload built and compiled now, today and a year on (cases fall overdue).
        officers = list(selectors.officers_of_ministry(user=user))
        for days in (0, 365):
            now = timezone.now() + dt.timedelta(days=days)
            for cap in (selectors.WORKLOAD_CAP, 1):
                shown, workload = selectors.officers_with_workload(user=user, now=now, cap=cap)
                assert shown == officers, (step, name)
                assert _figures(workload) == _figures(
                    selectors.officer_workload(officers=officers, now=now, cap=cap)
                ), (step, name, days, cap)


def _changes(world: World) -> list[tuple[str, Callable[[], Any]]]:
    """One of each kind of change that moves a case into or out of a tab."""
    cases: dict[str, Any] = {}

    def keep(name: str, app: Any) -> Any:
        cases[name] = app
        return app

    def active() -> Application:
        app = cases["active"]
        app.refresh_from_db()
        return app

    return [
        ("submitted", lambda: keep("new", drive(world, S.SUBMITTED))),
        ("under review", lambda: keep("review", drive(world, S.UNDER_REVIEW))),
        (
            "claimed",
            lambda: services.application_claim(
                application=cases["new"], by=world.officer, no_conflict_declared=True
            ),
        ),
        (
            "assigned in bulk",
            lambda: services.applications_assign_many(
                applications=[drive(world, S.SUBMITTED), drive(world, S.SUBMITTED)],
                by=world.officer,
                officer=world.other_officer,
            ),
        ),
        (
            "consulted",
            lambda: keep(
                "consultation",
                services.consultation_request(
                    application=cases["review"],
                    by=world.officer,
                    ministries=[world.other_ministry],
                    question="의견을 주십시오",
                )[0],
            ),
        ),
        (
            "consultation answered",
            lambda: services.consultation_answer(
                consultation=cases["consultation"], by=world.consultee, opinion="agree"
            ),
        ),
        ("deliberation", lambda: drive(world, S.DELIBERATION)),
        ("active", lambda: keep("active", drive(world, S.ACTIVE))),
        # Supervision work (the summary's two kinds; the sweep below ends the term, after which
        # a filing no longer counts and the incident still does)
        ("user notice filed", lambda: file_notice(world, active())),
        (
            "serious incident reported",
            lambda: _incident_on_the_first_day(world, drive(world, S.ACTIVE)),
        ),
        (
            "extension requested",
            lambda: services.extension_request_file(
                application=active(),
                by=world.applicant,
                new_end=(active().term_end or world.today) + dt.timedelta(days=30),
                reason="시험 기간이 더 필요합니다",
            ),
        ),
        (
            "law amendment requested",
            lambda: services.law_amendment_request_file(
                application=keep("amend", drive(world, S.ACTIVE)),
                by=world.applicant,
                reason="법 개정이 필요합니다",
            ),
        ),
        (
            "prior notice with an opinion",
            lambda: _notice(world, drive(world, S.ACTIVE), opinion=True),
        ),
        (
            "released",
            lambda: services.application_release(
                application=cases["new"], by=world.officer, reason="교대"
            ),
        ),
        ("rejected", lambda: drive(world, S.REJECTED)),
    ]


def _notice(world: World, app: Application, *, opinion: bool) -> Any:
    notice = sanctions.notice_send(
        application=app,
        by=world.decider,
        measure="suspend",
        grounds="조건 위반 (사전통지)",
        period_days=30,
    )
    if opinion:
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
    return notice


def _incident_on_the_first_day(world: World, app: Application) -> Any:
    """A serious incident reported now on a waiver whose term began today in its programme's
    time zone: it happened no earlier than that day's start (three hours before now falls on
    the day before in Seoul from 15:00 to 18:00 UTC, and the service rightly refuses it)."""
    assert app.term_start is not None
    now = timezone.now()
    first_day = dt.datetime.combine(app.term_start, dt.time(0), app.program.tz)
    began = max(now - dt.timedelta(hours=3), first_day)
    return report_incident(world, app, moment=now, occurred_at=began, detected_at=began)


def _scenario(world: World) -> None:
    _check(world, "empty")
    seen: dict[str, int] = {}
    for step, change in _changes(world):
        change()
        _check(world, step)
        seen[step] = selectors.tab_counts(user=_fresh(world, "officer"))["supervision"]
    # the supervision steps reached the tab (so its count was compared with cases in it)
    assert seen["user notice filed"] == 1 and seen["serious incident reported"] == 2, seen
    # The deadline sweep moves cases set-based (``ApplicationQuerySet.transition_update``):
    # a year and a half on, clocks have run out and terms ended.
    later = timezone.now() + dt.timedelta(days=800)
    with time_machine.travel(later, tick=False):
        sweep(now=later)
        _check(world, "swept")
    # A person moves ministry: their scope and consultations are another ministry's.
    profile = world.officer.staff_profile
    profile.ministry = world.other_ministry
    profile.save()
    _check(world, "moved ministry")
    # A programme passes to another ministry: its cases leave one scope and enter the other
    # (the counts name the programmes a ministry leads, so this is in their key).
    Program.objects.filter(pk=world.program.pk).update(lead_ministry=world.other_ministry)
    _check(world, "programme passed to another ministry")


def test_tab_counts_follow_every_kind_of_change(world: World) -> None:
    _scenario(world)


def _midnight_scenario(world: World) -> None:
    """A notice whose opinion deadline passes without an opinion waits on the decision maker
    from the next day in the programme's zone: the kept SQL (the programme's date is in its
    key) counts it from that midnight, not before."""
    zone = zoneinfo.ZoneInfo(world.program.time_zone)
    notice = _notice(world, drive(world, S.ACTIVE), opinion=False)
    last_day = dt.datetime.combine(notice.opinion_due, dt.time(23, 59), tzinfo=zone)
    next_day = last_day + dt.timedelta(minutes=2)
    decider = _fresh(world, "decider")
    with time_machine.travel(last_day, tick=False):
        before = selectors.tab_counts(user=decider)
        assert before == _exact(decider, selectors.COUNT_CAP)
    with time_machine.travel(next_day, tick=False):
        after = selectors.tab_counts(user=decider)
        assert after == _exact(decider, selectors.COUNT_CAP)
    assert after["decision"] == before["decision"] + 1


def test_a_programme_day_turning_is_counted_from_its_midnight(world: World) -> None:
    _midnight_scenario(world)


def test_the_kept_sql_is_what_a_fresh_compile_writes(world: World) -> None:
    app = drive(world, S.DELIBERATION)
    assert app.assigned_officer == world.officer
    selectors._COUNTS_SQL.clear()
    moments = (timezone.now(), timezone.now() + dt.timedelta(days=3))
    for moment in moments:
        today = selectors.programme_days(selectors.programme_zones(), moment)
        keys = {}
        for name in PERSONAS:
            user = _fresh(world, name)
            counts = selectors.tab_counts(user=user, today=today)
            assert counts == _exact(user, selectors.COUNT_CAP), name
            led = selectors.led_programmes(user, _leads())
            keys[name] = selectors._counts_key(user, selectors.COUNT_CAP, today, "default", led)
            fresh = selectors._compile_tab_counts(user, selectors.COUNT_CAP, today, "default", led)
            assert selectors._COUNTS_SQL[keys[name]] == fresh, name
        # The people of one ministry's scope share the SQL, each with their own *Mine*: the
        # lead ministry's two officers and its decision maker, the other ministry's consultee
        # and officer; the auditor reads everything.
        assert keys["officer"] == keys["other_officer"] == keys["decider"]
        assert keys["consultee"] == keys["foreign_officer"]
    assert len(selectors._COUNTS_SQL) == 3 * len(moments)
    assert selectors.tab_counts(user=_fresh(world, "officer"))["mine"] == 1
    assert selectors.tab_counts(user=_fresh(world, "other_officer"))["mine"] == 0


def test_the_workload_panel_follows_the_clock_with_its_sql_kept(world: World) -> None:
    """A case whose statutory deadline passes is counted overdue from that moment on."""
    app = drive(world, S.UNDER_REVIEW)
    assert app.due_at is not None and app.assigned_officer == world.officer
    selectors._WORKLOAD_SQL.clear()

    def overdue(at: dt.datetime) -> int:
        _officers, workload = selectors.officers_with_workload(user=world.officer, now=at)
        return next(w.overdue for w in workload if w.officer == world.officer)

    assert overdue(app.due_at - dt.timedelta(seconds=1)) == 0
    assert overdue(app.due_at + dt.timedelta(seconds=1)) == 1
    assert len(selectors._WORKLOAD_SQL) == 1  # one ministry, one cap: compiled once


def test_the_kept_sql_is_bounded(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "COUNTS_SQL_KEPT", 2)
    selectors._COUNTS_SQL.clear()
    for name in PERSONAS:
        selectors.tab_counts(user=_fresh(world, name))
    assert len(selectors._COUNTS_SQL) == 2
    last = _fresh(world, PERSONAS[-1])
    today = selectors.programme_days(selectors.programme_zones())
    led = selectors.led_programmes(last, _leads())
    assert selectors._counts_key(last, selectors.COUNT_CAP, today, "default", led) in (
        selectors._COUNTS_SQL
    )


@pytest.mark.postgres
def test_on_postgresql_a_ministrys_officers_share_one_prepared_counts_statement(
    world: World,
) -> None:
    """Every tab's count is one text, every value written in when it is compiled but *Mine*'s
    officer: two officers of one ministry asking in turn send that same text, which psycopg
    prepares once it has run ``prepare_threshold`` times on the connection, whoever asked. The
    officer's id is its one parameter, kept from the planner: PostgreSQL plans it for the
    officers at hand five times, then keeps one plan for any officer."""
    from django.db import connection

    drive(world, S.SUBMITTED)
    under_review = drive(world, S.UNDER_REVIEW)
    assert under_review.assigned_officer == world.officer
    officers = [_fresh(world, "officer"), _fresh(world, "other_officer")]
    expected = [_exact(officer, selectors.COUNT_CAP) for officer in officers]
    assert expected[0]["mine"] == 1 and expected[1]["mine"] == 0
    threshold = connection.connection.prepare_threshold
    assert threshold is not None
    sent: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("SELECT (SELECT") or ' AS "mine"' in sql:
            sent.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    compile_ = mock.Mock(wraps=selectors._compile_tab_counts)
    with (
        mock.patch.object(selectors, "_compile_tab_counts", compile_),
        connection.execute_wrapper(keep),
    ):
        for run in range(threshold + 12):  # past PostgreSQL's five plans for the values too
            officer = officers[run % 2]
            assert selectors.tab_counts(user=officer) == expected[run % 2], run
    assert compile_.call_count == 1  # one text for both, compiled once
    assert len(sent) == threshold + 12  # one statement a page, every tab's count in it
    assert len({sql for sql, _params in sent}) == 1
    ((text, _params), *_rest) = sent
    assert all(f' AS "{tab.slug}"' in text for tab in selectors.TABS)
    # The officer is its only parameter, kept from the planner wherever it appears: the plan
    # for the officer at hand is the plan for any, and PostgreSQL keeps it (at 100k cases,
    # with the id a plain parameter, it planned *Mine*'s count on every page).
    assert {params for _sql, params in sent} == {
        (officer.pk,) * text.count("%s") for officer in officers
    }
    assert text.count("%s") == text.count("(SELECT %s)") >= 1
    # Planned for the officers at hand five times, then its one plan for any officer.
    prepared = plans_of(text)
    assert len(prepared) == 1 and prepared[0][0] >= 1 and prepared[0][1] <= 5, prepared


def test_a_staff_member_without_a_ministry_counts_nothing(world: World) -> None:
    """Someone given a staff role before a ministry: every tab's condition holds nothing in
    their scope, and the counts say so without an error."""
    drive(world, S.UNDER_REVIEW)
    selectors._COUNTS_SQL.clear()
    loose = make_user(Role.CASE_OFFICER, username="no_ministry_yet")
    counts = selectors.tab_counts(user=User.objects.get(pk=loose.pk))
    assert counts == _exact(loose, selectors.COUNT_CAP) == dict.fromkeys(counts, 0)
