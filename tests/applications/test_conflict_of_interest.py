"""A declared conflict of interest bars the officer from the case in the services themselves
(``permissions.can_accept_application`` and the predicates built on it), whatever a page
offers: every piece of officer's work is refused with 403 and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from applications import availability, services
from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import NotPermitted
from tests.builders import World, drive

pytestmark = pytest.mark.django_db

Work = Callable[[World, Application], Any]

OFFICER_WORK: dict[str, tuple[str, Work]] = {
    "request_supplement": (
        S.SUBMITTED,
        lambda w, app: services.application_request_supplement(
            application=app, by=w.officer, deficiencies=["시험성적서"]
        ),
    ),
    "accept": (
        S.SUBMITTED,
        lambda w, app: services.application_accept(
            application=app, by=w.officer, no_conflict_declared=True
        ),
    ),
    "claim": (
        S.SUBMITTED,
        lambda w, app: services.application_claim(
            application=app, by=w.officer, no_conflict_declared=True
        ),
    ),
    "assign": (
        S.SUBMITTED,
        lambda w, app: services.application_assign(
            application=app, by=w.officer, officer=w.other_officer
        ),
    ),
}


@pytest.mark.parametrize("work", sorted(OFFICER_WORK))
def test_an_officer_who_declared_a_conflict_is_refused_by_the_service(
    world: World, work: str
) -> None:
    status, run = OFFICER_WORK[work]
    app = drive(world, status)
    services.conflict_declare(application=app, by=world.officer, details="대표이사가 친척")
    app = Application.objects.get(pk=app.pk)
    assert work not in availability.open_actions(world.officer, app)
    events = AuditEvent.objects.count()
    with pytest.raises(NotPermitted):
        run(world, app)
    assert AuditEvent.objects.count() == events
    assert Application.objects.get(pk=app.pk).status == status


def test_review_work_is_refused_once_the_assigned_officer_declares_a_conflict(
    world: World,
) -> None:
    app = drive(world, S.UNDER_REVIEW)  # assigned to world.officer
    services.conflict_declare(application=app, by=world.officer, details="지분 보유")
    app = Application.objects.get(pk=app.pk)
    assert app.assigned_officer is None
    for attempt in (
        lambda: services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["자료"]
        ),
        lambda: services.consultation_request(
            application=app, by=world.officer, ministries=[world.other_ministry], question="?"
        ),
        lambda: services.application_recommend(
            application=app, by=world.officer, outcome="approve", proposed_term_days=365
        ),
        lambda: services.application_claim(
            application=app, by=world.officer, no_conflict_declared=True
        ),
    ):
        with pytest.raises(NotPermitted):
            attempt()


def test_a_colleague_without_a_conflict_is_not_affected(world: World) -> None:
    app = drive(world, S.SUBMITTED)
    services.conflict_declare(application=app, by=world.officer, details="친구 회사")
    services.application_request_supplement(
        application=app, by=world.other_officer, deficiencies=["시험성적서"]
    )
    assert Application.objects.get(pk=app.pk).status == S.SUPPLEMENT_REQUESTED
