"""Bad input gets a clear error naming the field, and nothing is saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications import services
from applications.models import (
    Application,
    AuditEvent,
    ExtensionRequest,
    InsuranceProof,
    ReferenceCounter,
)
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
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


# --- unknown track, through the web form as well as the service -------------------------------


@pytest.mark.parametrize("track", ["999999", "not-a-number", ""])
def test_the_start_form_refuses_an_unknown_track_naming_the_field(client, world, track):
    client.force_login(world.applicant)
    before = _counts()
    response = client.post(reverse("application-start"), {"track": track, "title": "로봇"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["track"]
    assert _counts() == before


def test_the_start_form_refuses_a_track_that_is_closed(client, world):
    world.exemption.is_active = False
    world.exemption.save()
    client.force_login(world.applicant)
    before = _counts()
    response = client.post(
        reverse("application-start"), {"track": world.exemption.pk, "title": "로봇"}
    )
    assert response.status_code == 400
    assert "track" in response.context["form"].errors
    assert _counts() == before


def test_the_service_refuses_a_closed_track_and_a_closed_programme(world):
    before = _counts()
    world.exemption.is_active = False
    world.exemption.save()
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=world.exemption,
            title="x",
        )
    assert list(caught.value.errors) == ["track"]
    world.program.is_active = False
    world.program.save()
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=world.confirmation,
            title="x",
        )
    assert list(caught.value.errors) == ["program"]
    assert _counts() == before


# --- a term longer than the track allows, or ending before it starts ----------------------------


def test_a_new_draft_asking_for_a_longer_period_than_the_track_allows_is_not_saved(world):
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_create_draft(
            by=world.applicant,
            organization=world.organization,
            program=world.program,
            track=world.exemption,
            **{**COMPLETE_DRAFT, "requested_term_days": 731},
        )
    assert list(caught.value.errors) == ["requested_term_days"]
    assert "at most 730 days" in caught.value.errors["requested_term_days"][0]
    assert _counts() == before


@pytest.mark.parametrize("days", [0, -5])
def test_a_requested_period_of_no_days_is_refused(world, days):
    app = drive(world, S.DRAFT)
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_update_draft(
            application=app, by=world.applicant, requested_term_days=days
        )
    assert list(caught.value.errors) == ["requested_term_days"]
    assert _counts() == before
    assert Application.objects.get(pk=app.pk).requested_term_days == 730


def test_submission_refuses_a_period_the_track_no_longer_allows_and_keeps_the_number(world):
    app = drive(world, S.DRAFT)
    world.exemption.max_term_days = 365
    world.exemption.save()
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(application=app, by=world.applicant)
    assert list(caught.value.errors) == ["requested_term_days"]
    assert "at most 365 days" in caught.value.errors["requested_term_days"][0]
    assert _counts() == before
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.reference) == (S.DRAFT, None)
    assert not ReferenceCounter.objects.filter(last_number__gt=0).exists()


def test_an_approval_without_term_dates_names_both_fields(world):
    app = drive(world, S.DELIBERATION)
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_approve(
            application=app,
            by=world.decider,
            committee_reference="제1차",
            term_start=None,
            term_end=None,
        )
    assert set(caught.value.errors) == {"term_start", "term_end"}
    assert _counts() == before


@pytest.mark.parametrize("length", [0, -1])
def test_insurance_cover_ending_before_it_starts_is_refused(world, length):
    app = drive(world, S.APPROVED)
    before = (_counts(), InsuranceProof.objects.count())
    with pytest.raises(InvalidInput) as caught:
        services.insurance_proof_add(
            application=app,
            by=world.applicant,
            insurer="보험사",
            policy_number="P-3",
            coverage_start=app.term_start,
            coverage_end=app.term_start + dt.timedelta(days=length),
            insured_amount=1,
        )
    assert list(caught.value.errors) == ["coverage_end"]
    assert (_counts(), InsuranceProof.objects.count()) == before


@pytest.mark.parametrize(
    ("shift", "message"),
    [(0, "after the current end date"), (-10, "after the current end date"), (731, "at most 730")],
)
def test_an_extension_ending_too_early_or_too_late_is_refused(world, shift, message):
    app = drive(world, S.ACTIVE)
    before = (_counts(), ExtensionRequest.objects.count())
    with pytest.raises(InvalidInput) as caught:
        services.extension_request_file(
            application=app,
            by=world.applicant,
            new_end=app.term_end + dt.timedelta(days=shift),
            reason="시험 연장",
        )
    assert list(caught.value.errors) == ["new_end"]
    assert message in caught.value.errors["new_end"][0]
    assert (_counts(), ExtensionRequest.objects.count()) == before


# --- missing required sections ------------------------------------------------------------------


def test_a_confirmation_request_needs_no_scope_but_every_other_section(world):
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=world.program,
        track=world.confirmation,
        title="신속확인 요청",
    )
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(application=app, by=world.applicant)
    missing = set(caught.value.errors)
    assert {"summary", "service_description", "safety_plan", "declaration_consent"} <= missing
    assert "regulations" in missing
    assert not missing & {"requested_term_days", "region", "scale", "max_users", "insurance_plan"}
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


@pytest.mark.parametrize(
    "field", ["summary", "technology_description", "user_protection", "declaration_consent"]
)
def test_each_required_field_left_empty_is_named_alone(world, field):
    app = drive(world, S.DRAFT)
    empty = False if field.startswith("declaration") else ""
    services.application_update_draft(application=app, by=world.applicant, **{field: empty})
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(application=app, by=world.applicant)
    assert list(caught.value.errors) == [field]
    assert "is required before submitting" in caught.value.errors[field][0]
    assert _counts() == before
