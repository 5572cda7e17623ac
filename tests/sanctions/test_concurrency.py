"""Concurrent due-process work on a real PostgreSQL: the same measure taken twice at once, and
the same opinion sent twice at once — one wins, the other gets a conflict, nothing is written
twice and the audit chain stays sound."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from applications.models import Application, AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from core.errors import StaleVersion, WrongState
from sanctions import services as sanctions
from sanctions.models import Opinion, PriorNotice
from tests.applications.test_concurrency import _race_on_locked_case, _sound_chain
from tests.builders import World, drive
from tests.supervision.helpers import T0

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def noticed(world: World) -> tuple[Application, PriorNotice]:
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        app = drive(world, S.ACTIVE)
    with time_machine.travel(T0, tick=False):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="revoke", grounds="반복 위반"
        )
    return app, notice


def conflicts(results: list[Any]) -> list[Any]:
    return [r for r in results if isinstance(r, StaleVersion | WrongState)]


def test_the_same_measure_taken_twice_at_once_is_taken_once(world: World, noticed: Any) -> None:
    app, notice = noticed
    app.refresh_from_db()
    version = app.version

    def take() -> Callable[[], Any]:
        return lambda: sanctions.measure_take(
            notice=PriorNotice.objects.get(pk=notice.pk),
            by=world.decider,
            reason="반복 위반",
            expected_version=version,
        )

    with time_machine.travel(T0 + dt.timedelta(days=12), tick=True):
        results = _race_on_locked_case(app, [take(), take()])
    assert len([r for r in results if isinstance(r, Decision)]) == 1
    assert len(conflicts(results)) == 1, results
    assert Decision.objects.filter(application=app, kind="revocation").count() == 1
    assert AuditEvent.objects.filter(application=app, action="revoke").count() == 1
    _sound_chain()


def test_the_same_opinion_sent_twice_at_once_is_recorded_once(world: World, noticed: Any) -> None:
    app, notice = noticed

    def answer() -> Callable[[], Any]:
        return lambda: sanctions.opinion_submit(
            notice=PriorNotice.objects.get(pk=notice.pk), by=world.applicant, text="의견"
        )

    with time_machine.travel(T0 + dt.timedelta(days=1), tick=True):
        results = _race_on_locked_case(app, [answer(), answer()])
    assert len([r for r in results if isinstance(r, Opinion)]) == 1
    assert len(conflicts(results)) == 1, results
    assert AuditEvent.objects.filter(application=app, action="opinion_submitted").count() == 1
    _sound_chain()
