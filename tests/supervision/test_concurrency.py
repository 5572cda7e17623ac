"""Concurrent supervision work on a real PostgreSQL: the same report filed twice at once, two
officers reviewing it at once, the same incident form sent twice at once — one wins, the others
get a conflict, nothing is written twice and the audit chain stays sound."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from applications.models import AuditEvent
from core.errors import StaleVersion, WrongState
from supervision import services as supervision
from supervision.models import Incident, Report, ReportStatus, ReportSubmission
from tests.applications.test_concurrency import _race_on_locked_case, _sound_chain
from tests.builders import World
from tests.supervision.helpers import T0, active, file_report, first_report, supervised

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WHEN = T0 + dt.timedelta(days=100)


@pytest.fixture
def case(world: World) -> Any:
    supervised(world)
    with time_machine.travel(T0, tick=False):
        return active(world)


def conflicts(results: list[Any]) -> list[Any]:
    return [r for r in results if isinstance(r, StaleVersion | WrongState)]


def test_the_same_report_filed_twice_at_once_is_filed_once(world: World, case: Any) -> None:
    report = first_report(case)
    version = report.version

    def filing() -> Callable[[], Any]:
        return lambda: file_report(
            world, Report.objects.get(pk=report.pk), expected_version=version
        )

    with time_machine.travel(WHEN, tick=True):
        results = _race_on_locked_case(case, [filing(), filing(), filing()])
    assert len([r for r in results if isinstance(r, ReportSubmission)]) == 1
    assert len(conflicts(results)) == 2, results
    assert ReportSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action="report_submitted").count() == 1
    _sound_chain()


def test_two_officers_reviewing_at_once_record_one_review(world: World, case: Any) -> None:
    report = first_report(case)
    with time_machine.travel(WHEN, tick=True):
        file_report(world, report)
        report.refresh_from_db()
        version = report.version

        def review(officer: Any, accept: bool) -> Callable[[], Any]:
            return lambda: supervision.report_review(
                report=Report.objects.get(pk=report.pk),
                by=officer,
                accept=accept,
                reasons="" if accept else "보완",
                expected_version=version,
            )

        results = _race_on_locked_case(
            case, [review(world.officer, True), review(world.other_officer, False)]
        )
    assert len(conflicts(results)) == 1, results
    report.refresh_from_db()
    assert report.status in (ReportStatus.ACCEPTED, ReportStatus.REVISION_REQUESTED)
    reviews = AuditEvent.objects.filter(action__in=("report_accepted", "report_revision_requested"))
    assert reviews.count() == 1
    _sound_chain()


def test_one_incident_form_sent_twice_at_once_files_one_incident(world: World, case: Any) -> None:
    def send() -> Callable[[], Any]:
        return lambda: supervision.incident_report(
            application=case,
            by=world.applicant,
            category="safety",
            severity="moderate",
            occurred_at=WHEN - dt.timedelta(hours=3),
            detected_at=WHEN - dt.timedelta(hours=2),
            affected_users=1,
            description="충돌",
            actions_taken="정지",
            expected_count=0,
        )

    with time_machine.travel(WHEN, tick=True):
        results = _race_on_locked_case(case, [send(), send()])
    assert Incident.objects.count() == 1
    assert len(conflicts(results)) == 1, results
    _sound_chain()
