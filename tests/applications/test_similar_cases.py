"""Fast review for a case similar to an approved one (DOMAIN §1, the ICT/ICP 15-day rule): the
applicant cites an approved waiver by its register number; only the officer's confirmation sets
the shorter deadline, a denial keeps the normal one; an unknown or never-granted number is a
field error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from applications import deadlines, services
from applications.models import Application, AuditEvent
from applications.vocabulary import AuditAction, registered
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import InvalidInput, NotPermitted, WrongState
from tests.builders import World, draft, drive
from tests.reviews.helpers import signed_in

pytestmark = pytest.mark.django_db

FAST_DAYS = 15


@pytest.fixture
def fast(world: World) -> World:
    for track in (world.exemption, world.confirmation):
        track.similar_review_days = FAST_DAYS
        track.save()
    return world


def approved_waiver(world: World) -> Application:
    app = drive(world, S.ACTIVE)
    app.refresh_from_db()
    return app


def citing(world: World, reference: str, **kwargs) -> Application:
    app = draft(world, title="유사 서비스", similar_reference=reference, **kwargs)
    services.application_submit(application=app, by=world.applicant)
    app.refresh_from_db()
    return app


def test_an_unknown_number_is_a_field_error(fast):
    with pytest.raises(InvalidInput) as error:
        draft(fast, similar_reference="ICT-2026-99999")
    assert "No case has the number ICT-2026-99999" in error.value.errors["similar_reference"][0]


def test_a_case_that_was_never_granted_cannot_be_cited(fast):
    withdrawn = drive(fast, S.WITHDRAWN)
    assert withdrawn.reference
    app = draft(fast)
    with pytest.raises(InvalidInput) as error:
        services.application_update_draft(
            application=app, by=fast.applicant, similar_reference=withdrawn.reference
        )
    assert "is not an approved waiver" in error.value.errors["similar_reference"][0]


def test_a_track_without_fast_review_refuses_the_citation(world):
    waiver = approved_waiver(world)
    with pytest.raises(InvalidInput) as error:
        draft(world, similar_reference=waiver.reference)
    assert "no fast review" in error.value.errors["similar_reference"][0]


def test_citing_alone_keeps_the_normal_deadline(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference.lower())
    assert app.similar_to == waiver and app.similar_reference == waiver.reference
    assert app.due_at == app.submitted_at + dt.timedelta(days=app.track.statutory_days)


def test_the_officers_confirmation_sets_the_shorter_deadline(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference)
    normal = app.due_at
    services.application_decide_similarity(
        application=app, by=fast.officer, decision="confirmed", expected_version=app.version
    )
    app.refresh_from_db()
    assert app.due_at == app.submitted_at + dt.timedelta(days=FAST_DAYS)
    assert app.due_at < normal
    event = AuditEvent.objects.filter(application=app).order_by("-seq").first()
    assert event.action == AuditAction.SIMILARITY_CONFIRMED
    assert event.actor == fast.officer
    assert event.payload["similar_to"] == waiver.reference
    assert "shorter review deadline" in str(registered()[event.action].applicant)


def test_a_denial_keeps_the_normal_deadline_and_needs_reasons(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference)
    normal = app.due_at
    with pytest.raises(InvalidInput) as error:
        services.application_decide_similarity(application=app, by=fast.officer, decision="denied")
    assert "reason" in error.value.errors
    services.application_decide_similarity(
        application=app, by=fast.officer, decision="denied", reason="대상 지역과 기기가 다름"
    )
    app.refresh_from_db()
    assert app.due_at == normal
    assert app.similarity_decision == "denied"
    with pytest.raises(WrongState):
        services.application_decide_similarity(
            application=app, by=fast.officer, decision="confirmed"
        )


def test_time_paused_for_a_supplement_moves_the_shorter_deadline_too(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference)
    services.application_request_supplement(
        application=app, by=fast.officer, deficiencies=["시험성적서"]
    )
    services.application_answer_supplement(application=app, by=fast.applicant, message="제출")
    app.refresh_from_db()
    paused = app.clock_paused_seconds
    services.application_decide_similarity(application=app, by=fast.officer, decision="confirmed")
    app.refresh_from_db()
    assert app.due_at == app.submitted_at + dt.timedelta(days=FAST_DAYS, seconds=paused)


def test_only_the_lead_ministrys_officer_answers_and_only_a_case_that_cites_one(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference)
    for persona in ("applicant", "decider"):
        with pytest.raises(NotPermitted):
            services.application_decide_similarity(
                application=app, by=fast.persona(persona), decision="confirmed"
            )
    plain = drive(fast, S.SUBMITTED)
    with pytest.raises(WrongState):
        services.application_decide_similarity(
            application=plain, by=fast.officer, decision="confirmed"
        )


def test_the_deemed_answer_rule_reads_the_shorter_deadline(fast):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference, track=fast.confirmation)
    services.application_decide_similarity(application=app, by=fast.officer, decision="confirmed")
    app.refresh_from_db()
    assert app.submitted_at is not None
    early = app.submitted_at + dt.timedelta(days=FAST_DAYS - 1)
    deadlines.sweep(now=early)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    deadlines.sweep(now=app.submitted_at + dt.timedelta(days=FAST_DAYS, minutes=1))
    app.refresh_from_db()
    assert app.status == S.CONFIRMED
    event = AuditEvent.objects.get(application=app, action="deem_confirmed")
    assert event.payload["rule"].startswith(f"deemed_confirmation: {FAST_DAYS} days")


def test_the_officer_answers_on_the_case_page_and_the_applicant_reads_it(fast, client):
    waiver = approved_waiver(fast)
    app = citing(fast, waiver.reference)
    officer = signed_in(fast.officer)
    page = officer.get(f"/review/{app.pk}/").content.decode()
    assert waiver.reference in page
    assert f'href="/review/{app.pk}/similarity/?v=' in page
    response = officer.post(
        f"/review/{app.pk}/similarity/", {"decision": "confirmed", "version": app.version}
    )
    assert response.status_code == 302
    client.force_login(fast.applicant)
    detail = client.get(
        reverse("application-detail", args=[app.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "the shorter review deadline applies" in detail


@pytest.mark.parametrize(
    ("decision", "reason", "subject"),
    [
        ("confirmed", "", "Fast review confirmed"),
        ("denied", "대상 지역과 기기가 다름", "No fast review"),
    ],
)
def test_the_applicant_is_emailed_the_answer_with_the_deadline_that_now_applies(
    fast, django_capture_on_commit_callbacks, decision, reason, subject
):
    fast.organization.language = "en"
    fast.organization.save()
    app = citing(fast, approved_waiver(fast).reference)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide_similarity(
            application=app, by=fast.officer, decision=decision, reason=reason
        )
    app.refresh_from_db()
    (email,) = [m for m in mail.outbox if fast.applicant.email in m.to]
    assert email.subject.startswith(subject) and app.reference in email.subject
    assert human_date(app.program.local_date(app.due_at)) in email.body
    assert reason in email.body
