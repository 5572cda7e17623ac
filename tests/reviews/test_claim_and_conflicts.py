"""Claim, assign and release; a declared conflict of interest blocks the assignment, is
recorded, and bars the officer from the case afterwards (in the services, not only the UI)."""

from __future__ import annotations

import pytest

from applications import services
from applications.models import AuditEvent
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, StaleVersion
from tests.builders import World, drive
from tests.reviews.helpers import signed_in, version_of

pytestmark = pytest.mark.django_db


def test_declaring_a_conflict_on_claim_records_it_and_leaves_the_case_unassigned(
    world: World,
) -> None:
    app = drive(world, S.SUBMITTED)
    client = signed_in(world.officer)
    response = client.post(
        f"/review/{app.pk}/claim/",
        {
            "declaration": "conflict",
            "conflict_details": "My brother founded it.",
            "version": version_of(app),
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.assigned_officer is None
    event = AuditEvent.objects.get(application=app, action="conflict_declared")
    assert event.actor == world.officer
    assert event.payload["details"] == "My brother founded it."
    # The officer is no longer offered the case, and the services refuse every way in.
    page = client.get(f"/review/{app.pk}/").content.decode()
    assert f"/review/{app.pk}/claim/" not in page
    assert f"/review/{app.pk}/accept/" not in page
    assert "You declared a conflict of interest in this case" in page
    with pytest.raises(NotPermitted):
        services.application_claim(application=app, by=world.officer, no_conflict_declared=True)
    with pytest.raises(NotPermitted):
        services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    with pytest.raises(NotPermitted):
        services.application_assign(application=app, by=world.other_officer, officer=world.officer)
    app.refresh_from_db()
    assert app.assigned_officer is None
    # A colleague without a conflict takes it.
    services.application_claim(application=app, by=world.other_officer, no_conflict_declared=True)
    app.refresh_from_db()
    assert app.assigned_officer == world.other_officer


def test_a_conflict_needs_a_description(world: World) -> None:
    app = drive(world, S.SUBMITTED)
    response = signed_in(world.officer).post(
        f"/review/{app.pk}/claim/",
        {"declaration": "conflict", "conflict_details": "", "version": version_of(app)},
    )
    assert response.status_code == 400
    assert "Describe the conflict of interest." in response.content.decode()
    assert not AuditEvent.objects.filter(action="conflict_declared").exists()


def test_an_assigned_officer_who_declares_a_conflict_is_released(world: World) -> None:
    app = drive(world, S.UNDER_REVIEW)
    services.conflict_declare(application=app, by=world.officer, details="지분 보유")
    app.refresh_from_db()
    assert app.assigned_officer is None
    assert (
        AuditEvent.objects.filter(application=app, action="conflict_declared")
        .get()
        .payload["released"]
    )


def test_claim_requires_the_declaration(world: World) -> None:
    app = drive(world, S.SUBMITTED)
    with pytest.raises(InvalidInput):
        services.application_claim(application=app, by=world.officer, no_conflict_declared=False)


def test_a_case_claimed_by_a_colleague_cannot_be_accepted_or_claimed_by_another(
    world: World,
) -> None:
    app = drive(world, S.SUBMITTED)
    services.application_claim(application=app, by=world.officer, no_conflict_declared=True)
    with pytest.raises(NotPermitted):
        services.application_claim(
            application=app, by=world.other_officer, no_conflict_declared=True
        )
    with pytest.raises(NotPermitted):
        services.application_accept(
            application=app, by=world.other_officer, no_conflict_declared=True
        )


def test_assign_hands_over_only_to_an_officer_of_the_lead_ministry(world: World) -> None:
    app = drive(world, S.SUBMITTED)
    with pytest.raises(InvalidInput):
        services.application_assign(
            application=app, by=world.officer, officer=world.foreign_officer
        )
    with pytest.raises(InvalidInput):
        services.application_assign(application=app, by=world.officer, officer=world.decider)
    services.application_assign(application=app, by=world.officer, officer=world.other_officer)
    app.refresh_from_db()
    assert app.assigned_officer == world.other_officer
    event = AuditEvent.objects.filter(application=app).order_by("-seq").first()
    assert event is not None and event.action == "assigned"
    assert event.payload["assigned_officer"] == "other_officer"


def test_release_returns_the_case_to_the_pool_and_bumps_the_version(world: World) -> None:
    app = drive(world, S.UNDER_REVIEW)
    before = version_of(app)
    services.application_release(application=app, by=world.officer, expected_version=before)
    app.refresh_from_db()
    assert app.assigned_officer is None
    assert app.version == before + 1
    with pytest.raises(StaleVersion):
        services.application_claim(
            application=app,
            by=world.other_officer,
            no_conflict_declared=True,
            expected_version=before,
        )


def test_the_queue_shows_workload_per_officer(world: World) -> None:
    drive(world, S.UNDER_REVIEW)
    drive(world, S.UNDER_REVIEW)
    drive(world, S.ACTIVE)
    page = signed_in(world.officer).get("/review/?tab=all")
    workload = {row.officer.username: row for row in page.context["workload"]}
    assert workload["officer"].in_review == 2
    assert workload["officer"].in_force == 1
    assert workload["other_officer"].in_review == 0
