"""Bad input gets a clear error naming the field, and nothing is saved."""

from __future__ import annotations

import datetime as dt

import pytest

from applications import services
from applications.models import Application, AuditEvent, ReferenceCounter
from applications.workflow import ApplicationStatus as S
from sandbox.errors import InvalidInput
from tests.builders import COMPLETE_DRAFT, drive
from tests.factories import ProgramFactory, TrackFactory


def _counts():
    return Application.objects.count(), AuditEvent.objects.count()


def test_an_unknown_track_is_refused_naming_the_track(world):
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=None,
            title="x",
        )
    assert "track" in caught.value.errors
    assert _counts() == before


def test_a_track_of_another_programme_is_refused(world):
    elsewhere = TrackFactory.create(program=ProgramFactory.create(code="ICP"))
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=elsewhere,
            title="x",
        )
    assert list(caught.value.errors) == ["track"]
    assert not Application.objects.exists()


def test_a_requested_period_longer_than_the_track_allows_is_refused(world):
    app = drive(world, S.DRAFT)
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_update_draft(
            application=app, by=world.applicant, requested_term_days=731
        )
    assert "at most 730 days" in caught.value.errors["requested_term_days"][0]
    assert _counts() == before
    assert Application.objects.get(pk=app.pk).requested_term_days == 730


@pytest.mark.parametrize(
    ("start_offset", "length", "message"),
    [(0, 731, "at most 730 days"), (10, -1, "end after it starts"), (0, 0, "end after it starts")],
)
def test_a_bad_term_is_refused_on_approval_and_nothing_changes(
    world, start_offset, length, message
):
    app = drive(world, S.DELIBERATION)
    start = world.today + dt.timedelta(days=start_offset)
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_approve(
            application=app,
            by=world.decider,
            committee_reference="제1차",
            term_start=start,
            term_end=start + dt.timedelta(days=length),
        )
    assert message in caught.value.errors["term_end"][0]
    assert _counts() == before
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.term_start, fresh.decisions.count()) == (S.DELIBERATION, None, 0)


def test_submitting_with_missing_sections_names_each_and_uses_no_reference_number(world):
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=world.program,
        track=world.exemption,
        title="반쪽짜리 신청",
    )
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(application=app, by=world.applicant)
    assert {
        "summary",
        "safety_plan",
        "regulations",
        "declaration_truthful",
        "insurance_plan",
    } <= set(caught.value.errors)
    assert caught.value.errors["safety_plan"] == [
        "Safety plan and risk assessment is required before submitting."
    ]
    assert _counts() == before
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.reference, fresh.due_at) == (S.DRAFT, None, None)
    assert not ReferenceCounter.objects.filter(last_number__gt=0).exists()


def test_a_complete_draft_gets_the_next_reference_number(world):
    first = drive(world, S.SUBMITTED)
    second = drive(world, S.SUBMITTED)
    year = first.submitted_at.year
    assert (first.reference, second.reference) == (f"ICT-{year}-00001", f"ICT-{year}-00002")


@pytest.mark.parametrize(
    ("service", "kwargs", "field"),
    [
        ("application_reject", {"reasons": "  "}, "reasons"),
        ("application_remand", {"reason": ""}, "reason"),
        (
            "application_approve",
            {"committee_reference": "", "term_start": None, "term_end": None},
            "committee_reference",
        ),
    ],
)
def test_decisions_without_reasons_are_refused(world, service, kwargs, field):
    app = drive(world, S.DELIBERATION)
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        getattr(services, service)(application=app, by=world.decider, **kwargs)
    assert field in caught.value.errors
    assert _counts() == before


def test_a_supplement_request_without_deficiencies_is_refused(world):
    app = drive(world, S.SUBMITTED)
    with pytest.raises(InvalidInput) as caught:
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["", "  "]
        )
    assert "deficiencies" in caught.value.errors
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_unknown_draft_fields_are_refused(world):
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=world.exemption,
            **{**COMPLETE_DRAFT, "status": "approved"},
        )
    assert "status" in caught.value.errors
