"""Four-eyes (the recommender never decides), stale forms (409, input kept, nothing written)
and lapsed consultations."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group

from applications import services
from applications.models import AuditEvent, Consultation, ConsultationStatus, Opinion
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from core.errors import NotPermitted
from tests.builders import World, drive, term
from tests.reviews.helpers import signed_in, version_of

pytestmark = pytest.mark.django_db


def test_an_officer_who_is_also_a_decision_maker_cannot_decide_what_they_recommended(
    world: World,
) -> None:
    world.officer.groups.add(Group.objects.get_or_create(name=Role.DECISION_MAKER)[0])
    app = drive(world, S.DELIBERATION)  # recommended by world.officer
    client = signed_in(world.officer)
    page = client.get(f"/review/{app.pk}/").content.decode()
    assert f"/review/{app.pk}/approve/" not in page
    start, end = term(world, 365)
    response = client.post(
        f"/review/{app.pk}/approve/",
        {
            "committee_reference": "제1차",
            "term_start": start.isoformat(),
            "term_end": end.isoformat(),
            "version": version_of(app),
        },
    )
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        services.application_approve(
            application=app,
            by=world.officer,
            committee_reference="제1차",
            term_start=start,
            term_end=end,
        )
    app.refresh_from_db()
    assert app.status == S.DELIBERATION
    # Another decision maker may.
    services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차",
        term_start=start,
        term_end=end,
    )
    app.refresh_from_db()
    assert app.status == S.APPROVED


def test_a_stale_form_gets_409_keeps_the_input_and_writes_nothing(world: World) -> None:
    app = drive(world, S.UNDER_REVIEW)
    opened_at = version_of(app)
    client = signed_in(world.officer)
    form_page = client.get(f"/review/{app.pk}/supplement/?v={opened_at}")
    assert f'name="version" value="{opened_at}"' in form_page.content.decode()
    assert "The applicant will have 30 days to answer." in form_page.content.decode()
    # Meanwhile the case changes (an opinion request goes out in another tab).
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="?"
    )
    events = AuditEvent.objects.count()
    response = client.post(
        f"/review/{app.pk}/supplement/",
        {"deficiencies": "Crash test report", "version": opened_at},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert "Crash test report" in html  # the person's text is kept
    assert f'name="version" value="{version_of(app)}"' in html  # resending is a conscious choice
    assert AuditEvent.objects.count() == events
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW
    # Sending the refreshed form again works.
    again = client.post(
        f"/review/{app.pk}/supplement/",
        {"deficiencies": "Crash test report", "version": version_of(app)},
    )
    assert again.status_code == 302
    app.refresh_from_db()
    assert app.status == S.SUPPLEMENT_REQUESTED


def test_a_decision_form_opened_before_another_decision_is_stale(world: World) -> None:
    app = drive(world, S.DELIBERATION)
    opened_at = version_of(app)
    services.application_remand(application=app, by=world.decider, reason="더 검토")
    start, end = term(world, 365)
    response = signed_in(world.decider).post(
        f"/review/{app.pk}/approve/",
        {
            "committee_reference": "제1차",
            "term_start": start.isoformat(),
            "term_end": end.isoformat(),
            "version": opened_at,
        },
    )
    assert response.status_code == 409
    assert "This case changed since you opened it" in response.content.decode()
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW
    assert not app.decisions.filter(kind="approval").exists()


def test_a_lapsed_consultation_is_deemed_no_opinion_and_can_no_longer_be_answered(
    world: World,
) -> None:
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="의견?"
    )
    consultation = Consultation.objects.get(application=app)
    consultee = signed_in(world.consultee)
    opened_at = version_of(app)
    later = consultation.due_at + dt.timedelta(hours=1)
    services.consultation_lapse(consultation=consultation, now=later)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.LAPSED
    assert consultation.opinion == Opinion.NO_OPINION_DEEMED
    event = AuditEvent.objects.get(application=app, action="consultation_lapsed")
    assert event.actor is None and event.actor_role == Role.SYSTEM
    page = consultee.get(f"/review/{app.pk}/").content.decode()
    assert "No opinion (deemed)" in page
    assert f"/review/{app.pk}/opinion/" not in page
    response = consultee.post(
        f"/review/{app.pk}/opinion/", {"opinion": "agree", "version": opened_at}
    )
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.LAPSED


def test_recommending_after_the_deadline_records_open_consultations_as_lapsed(
    world: World,
) -> None:
    world.exemption.consultation_days = 1
    world.exemption.save()
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="의견?"
    )
    consultation = Consultation.objects.get(application=app)
    client = signed_in(world.officer)
    early = client.post(
        f"/review/{app.pk}/recommend/",
        {"outcome": "approve", "proposed_term_days": "365", "version": version_of(app)},
    )
    assert early.status_code == 400
    assert "is awaited until" in early.content.decode()
    # the ministry by its name, never its code
    assert world.other_ministry.display_name in early.content.decode()
    assert world.other_ministry.code not in early.content.decode()
    with time_machine.travel(consultation.due_at + dt.timedelta(days=1)):
        client = signed_in(world.officer)  # sessions last hours (SESSION_COOKIE_AGE), not days
        response = client.post(
            f"/review/{app.pk}/recommend/",
            {"outcome": "approve", "proposed_term_days": "365", "version": version_of(app)},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/review/{app.pk}/"
    consultation.refresh_from_db()
    assert consultation.opinion == Opinion.NO_OPINION_DEEMED
