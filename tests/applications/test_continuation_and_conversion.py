"""The end of the term done right: a continuation pending law amendment capped where the track
sets a cap (FinISA: 18 months after the original end), enforced by the sweep with reminders
before it; conversion of a demonstration exemption into a temporary permit where the track
allows it (a new decision and letter, the same case)."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import deadlines, services
from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from applications.workflow import add_months, continuation_cap
from core.errors import NotPermitted, WrongState
from documents.models import Letter
from tests.builders import World, drive
from tests.factories import TrackFactory
from tests.supervision.helpers import T0, at, seoul_midnight


def _continuing(world: World, *, cap: int | None = 18) -> Application:
    world.exemption.continuation_cap_months = cap
    world.exemption.save()
    with at(T0):
        app = drive(world, S.CONTINUING)
    app.refresh_from_db()
    return app


def test_months_are_added_by_the_calendar():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 3, 2), 18) == dt.date(2027, 9, 2)


def test_accepting_the_law_amendment_request_sets_the_cap_and_its_letter_says_so(world):
    app = _continuing(world)
    assert app.term_end is not None
    assert app.continuation_until == add_months(app.term_end, 18)
    decision = app.decisions.get(kind="law_amendment")
    assert decision.details["continuation_until"] == app.continuation_until.isoformat()
    assert Letter.objects.filter(application=app, kind="law_amendment").exists()


def test_without_a_cap_the_continuation_has_no_end(world):
    app = _continuing(world, cap=None)
    assert app.continuation_until is None
    assert continuation_cap(track=app.track, original_end=app.term_end) is None
    far = T0 + dt.timedelta(days=3650)
    assert not deadlines.due_continuation_ends(now=far).filter(pk=app.pk).exists()


def test_the_sweep_ends_the_continuation_the_day_after_its_cap_not_before(world):
    app = _continuing(world)
    cap = app.continuation_until
    assert cap is not None
    last_minute = seoul_midnight(cap + dt.timedelta(days=1)) - dt.timedelta(minutes=1)
    assert not deadlines.due_continuation_ends(now=last_minute).exists()
    with at(last_minute), pytest.raises(WrongState):
        services.application_end_continuation(application=app)
    moment = seoul_midnight(cap + dt.timedelta(days=1))
    with at(moment):
        result = deadlines.sweep(now=moment, rules=[deadlines.RULE_BY_NAME["continuation_cap"]])
    assert result.total == 1
    app.refresh_from_db()
    assert app.status == S.EXPIRED
    event = AuditEvent.objects.get(application=app, action="end_continuation")
    assert event.payload["rule"].startswith("continuation_cap:")
    assert Letter.objects.filter(application=app, kind="continuation_end").exists()


def test_reminders_come_90_30_and_7_days_before_the_cap_each_once(world):
    app = _continuing(world)
    cap = app.continuation_until
    assert cap is not None
    rule = deadlines.RULE_BY_NAME["continuation_cap_reminder"]
    assert not deadlines.due_continuation_reminders(
        now=seoul_midnight(cap - dt.timedelta(days=90)) - dt.timedelta(minutes=1)
    ).exists()
    for days in (90, 30, 7):
        moment = seoul_midnight(cap - dt.timedelta(days=days))
        with at(moment):
            assert deadlines.sweep(now=moment, rules=[rule]).total == 1
            assert deadlines.sweep(now=moment, rules=[rule]).total == 0
    stages = sorted(
        AuditEvent.objects.filter(application=app, action="continuation_cap_reminder").values_list(
            "payload__days_before", flat=True
        )
    )
    assert stages == [7, 30, 90]


def test_conversion_moves_the_case_to_the_permit_track_with_a_letter(world):
    permit = TrackFactory.create(program=world.program, code="temporary_permit", name="임시허가")
    world.exemption.conversion_track = permit
    world.exemption.save()
    with at(T0):
        app = drive(world, S.ACTIVE)
        with pytest.raises(NotPermitted):
            services.application_convert(application=app, by=world.officer, reason="x")
        decision = services.application_convert(
            application=app, by=world.decider, reason="요건 충족"
        )
    app.refresh_from_db()
    assert (app.status, app.track_id) == (S.ACTIVE, permit.pk)
    assert decision.kind == "conversion"
    assert decision.details == {"from_track": "demonstration", "to_track": "temporary_permit"}
    assert Letter.objects.filter(application=app, kind="conversion").exists()
    with at(T0), pytest.raises(WrongState, match="track"):  # a permit is not converted again
        services.application_convert(application=app, by=world.decider, reason="again")


def test_a_track_without_conversion_refuses_it(world):
    with at(T0):
        app = drive(world, S.ACTIVE)
        before = AuditEvent.objects.count()
        with pytest.raises(WrongState, match="track"):
            services.application_convert(application=app, by=world.decider, reason="x")
    assert AuditEvent.objects.count() == before
