"""The due-process pages: who is offered what on the case pages, bad input next to its field,
the measure refused with its date (409) before the opinion deadline, another organisation's
notice not found, and each step through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from sanctions import services as sanctions
from sanctions.models import PriorNotice
from tests.builders import World, drive
from tests.factories import TrackFactory
from tests.portal import samples
from tests.reviews.helpers import signed_in
from tests.supervision.helpers import T0, at, seoul_midnight

OPINION_DUE = dt.date(2026, 3, 12)


def _company(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _active(world: World) -> Application:
    with at(T0 - dt.timedelta(days=1)):
        app = drive(world, S.ACTIVE)
    app.refresh_from_db()
    return app


def test_only_the_decision_maker_is_offered_the_procedure_on_the_case_page(world):
    app = _active(world)
    new = reverse("sanctions-notice-new", args=[app.pk])
    urgent = reverse("sanctions-urgent", args=[app.pk])
    with at(T0):
        page = signed_in(world.decider).get(reverse("review-case", args=[app.pk])).content.decode()
        assert new in page and urgent in page
        officer = signed_in(world.officer)
        page = officer.get(reverse("review-case", args=[app.pk])).content.decode()
        assert new not in page and urgent not in page
        assert "<form" not in officer.get(new).content.decode().split("<main")[1]
        before = AuditEvent.objects.count()
        posted = {"version": app.version, "measure": "revoke", "grounds": "x"}
        assert officer.post(new, posted).status_code == 403
        assert AuditEvent.objects.count() == before
        assert signed_in(world.foreign_decider).get(new).status_code == 404


def test_a_notice_with_bad_input_is_answered_next_to_its_fields_and_writes_nothing(world):
    app = _active(world)
    url = reverse("sanctions-notice-new", args=[app.pk])
    with at(T0):
        client = signed_in(world.decider)
        before = AuditEvent.objects.count()
        response = client.post(url, {"version": app.version, "measure": "suspend", "grounds": ""})
        assert response.status_code == 400
        body = response.content.decode()
        assert "This field is required." in body or "필수" in body
        response = client.post(url, {"version": app.version, "measure": "suspend", "grounds": "g"})
        assert response.status_code == 400  # a suspension needs its intended period
        assert "Give how many days the suspension is intended to last." in response.content.decode()
        assert AuditEvent.objects.count() == before
        response = client.post(
            url, {"version": app.version, "measure": "suspend", "grounds": "g", "period_days": "30"}
        )
        assert response.status_code == 302
    assert PriorNotice.objects.get(application=app).opinion_due == OPINION_DUE


def test_the_measure_page_refuses_with_the_date_until_the_deadline_then_takes_it(world):
    app = _active(world)
    with at(T0):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="revoke", grounds="위반"
        )
    url = reverse("sanctions-notice", args=[app.pk, notice.number])
    last_minute = seoul_midnight(OPINION_DUE + dt.timedelta(days=1)) - dt.timedelta(minutes=1)
    with at(last_minute):
        client = signed_in(world.decider)
        app.refresh_from_db()
        page = client.get(url)
        assert page.status_code == 200 and "<form" not in page.content.decode().split("<main")[1]
        before = AuditEvent.objects.count()
        response = client.post(url, {"version": app.version, "reason": "위반"})
        assert response.status_code == 409
        assert "12 March 2026" in response.content.decode() or "2026" in response.content.decode()
        assert AuditEvent.objects.count() == before
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):
        client = signed_in(world.decider)
        response = client.post(url, {"version": app.version, "reason": "위반"})
        assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == S.REVOKED


def test_the_company_answers_its_notice_and_another_organisation_cannot_see_it(world):
    app = _active(world)
    with at(T0):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="revoke", grounds="위반"
        )
    url = reverse("sanctions-opinion", args=[app.pk, notice.number])
    with at(T0 + dt.timedelta(days=1)):
        assert _company(world.other_applicant).get(url).status_code == 404
        assert _company(world.other_applicant).post(url, {"text": "x"}).status_code == 404
        company = _company(world.applicant)
        detail = company.get(reverse("application-detail", args=[app.pk])).content.decode()
        assert url in detail  # the case page points to the notice
        response = company.post(url, {"text": "", "hearing_requested": ""})
        assert response.status_code == 400
        response = company.post(url, {"text": "시정했습니다", "hearing_requested": "on"})
        assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.opinion.hearing_requested and notice.opinion.text == "시정했습니다"
    with at(seoul_midnight(OPINION_DUE + dt.timedelta(days=1))):  # past the deadline: closed
        response = _company(world.applicant).post(url, {"text": "또"})
        assert response.status_code == 302
        assert response["Location"] == reverse("application-detail", args=[app.pk])


def test_resumption_through_the_pages(world):
    app = _active(world)
    with at(T0):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="suspend", grounds="g", period_days=30
        )
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
        sanctions.measure_take(
            notice=notice,
            by=world.decider,
            reason="r",
            assessment_outcome="not_accepted",
            assessment="a",
            ends_on=dt.date(2026, 4, 1),
            cure_steps=["점검"],
        )
    request_url = reverse("sanctions-resumption-request", args=[app.pk])
    decide_url = reverse("sanctions-suspension", args=[app.pk])
    with at(T0 + dt.timedelta(days=3)):
        company = _company(world.applicant)
        assert company.post(request_url, {"evidence": ""}).status_code == 400
        assert company.post(request_url, {"evidence": "점검 완료"}).status_code == 302
        decider = signed_in(world.decider)
        app.refresh_from_db()
        assert "점검 완료" in decider.get(decide_url).content.decode()
        response = decider.post(
            decide_url, {"version": app.version, "decision": "resume", "reason": "확인"}
        )
        assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == S.ACTIVE
    with at(T0 + dt.timedelta(days=4)):  # not suspended now: the request page is closed
        response = _company(world.applicant).post(request_url, {"evidence": "x"})
        assert response.status_code == 302


def test_the_decision_makers_queue_holds_what_the_procedure_waits_on_them_for(world):
    app = _active(world)
    queue = reverse("review-queue") + "?tab=decision"
    with at(T0):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="revoke", grounds="위반"
        )
        client = signed_in(world.decider)
        assert app.reference not in client.get(queue).content.decode()  # the company may answer
    with at(T0 + dt.timedelta(days=1)):
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="의견")
        client = signed_in(world.decider)
        assert app.reference in client.get(queue).content.decode()  # the measure may be taken
        sanctions.notice_close(notice=notice, by=world.decider, reason="시정 확인")
        assert app.reference not in client.get(queue).content.decode()


def test_urgent_suspension_hearing_with_minutes_and_conversion_through_the_pages(world):
    permit = TrackFactory.create(program=world.program, code="temporary_permit", name="임시허가")
    world.exemption.conversion_track = permit
    world.exemption.save()
    app = _active(world)
    urgent = reverse("sanctions-urgent", args=[app.pk])
    with at(T0):
        client = signed_in(world.decider)
        response = client.post(
            urgent,
            {"version": app.version, "explanation": "제동 결함", "ends_on": "2026-03-20"},
        )
        assert response.status_code == 400  # no ground, no cure steps: next to their fields
        assert {"ground", "cure_steps"} <= set(response.context["form"].errors)
        response = client.post(
            urgent,
            {
                "version": app.version,
                "ground": "safety",
                "explanation": "제동 결함",
                "ends_on": "2026-03-20",
                "cure_steps": "제동 장치 교체",
            },
        )
        assert response.status_code == 302
        app.refresh_from_db()
        assert app.status == S.SUSPENDED
        # the notice that follows it, with a hearing
        response = client.post(
            reverse("sanctions-notice-new", args=[app.pk]),
            {"version": app.version, "measure": "revoke", "grounds": "결함 반복"},
        )
        assert response.status_code == 302
        notice = PriorNotice.objects.get(application=app)
        assert notice.follows is not None
        response = client.post(
            reverse("sanctions-hearing-new", args=[app.pk, notice.number]),
            {"at": "2026-03-05T14:00", "place": "세종청사 회의실"},
        )
        assert response.status_code == 302
    hearing = notice.hearings.get()
    assert hearing.scheduled_at == dt.datetime(2026, 3, 5, 5, 0, tzinfo=dt.UTC)  # 14:00 KST
    with at(T0 + dt.timedelta(days=4)):
        client = signed_in(world.decider)
        response = client.post(
            reverse("sanctions-hearing", args=[app.pk, notice.number, hearing.pk]),
            {
                "attendees": "대표이사",
                "minutes": "의견 청취",
                "minutes_file": SimpleUploadedFile("minutes.pdf", samples.PDF),
            },
        )
        assert response.status_code == 302
        hearing.refresh_from_db()
        assert hearing.minutes_file is not None
        assert hearing.minutes_file.doc_type == "hearing_minutes"
        detail = client.get(reverse("sanctions-notice", args=[app.pk, notice.number]))
        assert "minutes.pdf" in detail.content.decode()
    # conversion of another waiver
    other = _active(world)
    with at(T0 + dt.timedelta(days=4)):
        response = client.post(
            reverse("sanctions-convert", args=[other.pk]),
            {"version": other.version, "reason": "임시허가 요건 충족"},
        )
        assert response.status_code == 302
    other.refresh_from_db()
    assert other.track == permit


def test_a_track_converts_only_into_another_track_of_its_programme(world):
    world.exemption.conversion_track = world.exemption
    with pytest.raises(ValidationError):
        world.exemption.full_clean()
    elsewhere = TrackFactory.create(code="temporary_permit")  # another programme
    world.exemption.conversion_track = elsewhere
    with pytest.raises(ValidationError):
        world.exemption.full_clean()
