"""Supervision's pages, per persona: the company's filings under /apply/<id>/…, the ministry's
reviews under /review/<id>/…; another organisation's or ministry's case is a 404; a person the
action is not open to gets no form (and 403 on a post); stale forms keep the input (409)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applications.models import AuditEvent
from supervision import services as supervision
from supervision.models import ConditionRecord, Incident, ReportStatus, UserNotice
from tests.factories import pass_second_factor
from tests.portal import samples
from tests.supervision.helpers import (
    T0,
    active,
    at,
    file_notice,
    file_report,
    first_report,
    report_incident,
    supervised,
)

pytestmark = pytest.mark.django_db

WHEN = T0 + dt.timedelta(days=100)


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def staff(user) -> Client:
    client = Client()
    pass_second_factor(client, user)
    return client


def applicant(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report_form(app, report, **extra):
    data = {
        "version": report.version,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "users_served": "120",
        "transactions": "480",
        "complaints": "0",
        **{f"value_{item.pk}": "12" for item in app.data_items.all()},
    }
    data.update(extra)
    return data


def test_the_company_sees_its_schedule_insurance_and_conditions_on_the_case_page(world, case):
    with at(WHEN):
        page = applicant(world.applicant).get(reverse("application-detail", args=[case.pk]))
    text = page.content.decode()
    assert "Supervision during the term" in text
    assert text.count(reverse("supervision-report", args=[case.pk, first_report(case).pk])) == 1
    assert "1 July 2026" in text  # the first report's due date
    assert "최고 속도 시속 5km 이하로 운행할 것" in text  # the conditions register
    assert "P-1" in text and "Awaiting review" in text
    assert reverse("supervision-incident-new", args=[case.pk]) in text


def test_the_company_files_a_report_through_the_page(world, case):
    report = first_report(case)
    client = applicant(world.applicant)
    url = reverse("supervision-report", args=[case.pk, report.pk])
    with at(WHEN):
        form_page = client.get(url)
        assert form_page.status_code == 200
        assert 'name="value_' in form_page.content.decode()
        response = client.post(
            url,
            {
                **report_form(case, report),
                "attachments": SimpleUploadedFile("log.pdf", samples.PDF),
            },
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_bad_report_keeps_the_input_and_says_what_is_wrong(world, case):
    report = first_report(case)
    url = reverse("supervision-report", args=[case.pk, report.pk])
    with at(WHEN):
        response = applicant(world.applicant).post(
            url, report_form(case, report, period_end="2026-02-01", problems="<script>x</script>")
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The period must end on or after the day it starts." in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DUE


def test_a_replayed_report_form_is_told_it_was_already_submitted(world, case):
    report = first_report(case)
    url = reverse("supervision-report", args=[case.pk, report.pk])
    client = applicant(world.applicant)
    data = report_form(case, report)
    with at(WHEN):
        assert client.post(url, data).status_code == 302
        again = client.post(url, data, follow=True)
    assert "This report has already been submitted" in again.content.decode()
    assert AuditEvent.objects.filter(action="report_submitted").count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "supervision-report",
        "supervision-incident-new",
        "supervision-incident",
        "application-insurance",
        "supervision-user-notice",
    ],
)
def test_another_organisations_pages_are_404(world, case, name):
    incident = report_incident(world, case, moment=WHEN, severity="minor", affected_users=0)
    args = {
        "supervision-report": [case.pk, first_report(case).pk],
        "supervision-incident": [case.pk, incident.pk],
    }.get(name, [case.pk])
    url = reverse(name, args=args)
    with at(WHEN):
        assert applicant(world.other_applicant).get(url).status_code == 404
        assert applicant(world.other_applicant).post(url, {}).status_code == 404
        assert Client().get(url).status_code == 302  # anonymous: to the sign-in page


def test_the_officer_reviews_a_report_and_asks_for_a_revision(world, case):
    report = first_report(case)
    with at(WHEN):
        file_report(world, report)
        report.refresh_from_db()
        url = reverse("supervision-report-review", args=[case.pk, report.pk])
        client = staff(world.officer)
        assert 'name="decision"' in client.get(url).content.decode()
        missing = client.post(url, {"version": report.version, "decision": "revise"})
        assert missing.status_code == 400
        assert "Say what must be revised, and why." in missing.content.decode()
        done = client.post(
            url, {"version": report.version, "decision": "revise", "reasons": "값 보완"}
        )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REVISION_REQUESTED
    with at(WHEN):
        page = applicant(world.applicant).get(
            reverse("supervision-report", args=[case.pk, report.pk])
        )
    assert "값 보완" in page.content.decode() and "Resubmit the report" in page.content.decode()


def test_a_stale_review_keeps_the_input_and_answers_409(world, case):
    report = first_report(case)
    with at(WHEN):
        file_report(world, report)
        report.refresh_from_db()
        opened = report.version
        supervision.report_review(report=report, by=world.other_officer, accept=True)
        response = staff(world.officer).post(
            reverse("supervision-report-review", args=[case.pk, report.pk]),
            {"version": opened, "decision": "revise", "reasons": "내 의견"},
        )
    assert response.status_code == 409
    assert "내 의견" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [
        ("officer", 200, 302),
        ("auditor", 200, 403),
        ("decider", 200, 403),
        ("foreign_officer", 404, 404),
        ("consultee", 404, 404),
    ],
)
def test_who_may_see_and_review_a_report(world, case, persona, get_status, post_status):
    report = first_report(case)
    with at(WHEN):
        file_report(world, report)
        report.refresh_from_db()
        url = reverse("supervision-report-review", args=[case.pk, report.pk])
        client = staff(world.persona(persona))
        page = client.get(url)
        posted = client.post(url, {"version": report.version, "decision": "accept"})
    assert (page.status_code, posted.status_code) == (get_status, post_status)
    if get_status == 200:
        assert ('name="decision"' in page.content.decode()) is (persona == "officer")


def test_the_applicant_cannot_open_staff_pages(world, case):
    report = first_report(case)
    response = applicant(world.applicant).get(
        reverse("supervision-report-review", args=[case.pk, report.pk])
    )
    assert response.status_code == 403


def test_the_company_reports_an_incident_and_answers_the_ministrys_question(world, case):
    client = applicant(world.applicant)
    url = reverse("supervision-incident-new", args=[case.pk])
    with at(WHEN):
        response = client.post(
            url,
            {
                "known": "0",
                "category": "safety",
                "severity": "serious",
                "occurred_at": "2026-06-10T08:00",  # Seoul time
                "detected_at": "2026-06-10T08:30",
                "affected_users": "1",
                "description": "충돌",
                "actions_taken": "정지",
            },
        )
        assert response.status_code == 302
        incident = Incident.objects.get()
        assert incident.detected_at == dt.datetime(2026, 6, 9, 23, 30, tzinfo=dt.UTC)
        replay = client.post(url, {**response.wsgi_request.POST.dict()})
        assert replay.status_code == 409 and Incident.objects.count() == 1
        officer = staff(world.officer)
        review = reverse("supervision-incident-review", args=[case.pk, incident.pk])
        queue = officer.get("/review/?tab=supervision")
        assert case.pk in [row["app"].pk for row in queue.context["rows"]]
        assert (
            officer.post(
                review, {"version": incident.version, "step": "ask", "text": "속도는?"}
            ).status_code
            == 302
        )
        page = client.get(reverse("supervision-incident", args=[case.pk, incident.pk]))
        assert "속도는?" in page.content.decode()
        incident.refresh_from_db()
        answered = client.post(
            reverse("supervision-incident", args=[case.pk, incident.pk]),
            {"version": incident.version, "text": "시속 4km"},
        )
    assert answered.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "answered"


def test_incident_times_out_of_order_are_shown_next_to_the_field(world, case):
    with at(WHEN):
        response = applicant(world.applicant).post(
            reverse("supervision-incident-new", args=[case.pk]),
            {
                "known": "0",
                "category": "data",
                "severity": "minor",
                "occurred_at": "2026-06-10T09:00",
                "detected_at": "2026-06-10T08:00",
                "affected_users": "3",
                "description": "d",
                "actions_taken": "a",
            },
        )
    assert response.status_code == 400
    assert re.search(
        r'id="id_detected_at-error"[^>]*>.*It cannot have been found before',
        response.content.decode(),
        re.S,
    )


def test_the_officer_keeps_the_conditions_register_and_reviews_the_notice(world, case):
    record = ConditionRecord.objects.filter(application=case).first()
    assert record is not None
    notice = file_notice(world, case)
    officer = staff(world.officer)
    updated = officer.post(
        reverse("supervision-condition", args=[case.pk, record.pk]),
        {"version": record.version, "status": "breached", "note": "야간 운행 확인"},
    )
    reviewed = officer.post(
        reverse("supervision-notice-review", args=[case.pk, notice.pk]),
        {"decision": "return", "reasons": "문의처 누락"},
    )
    assert (updated.status_code, reviewed.status_code) == (302, 302)
    record.refresh_from_db()
    assert record.status == "breached"
    assert UserNotice.objects.get().status == "returned"
    page = applicant(world.applicant).get(reverse("application-detail", args=[case.pk]))
    assert "야간 운행 확인" in page.content.decode() and "문의처 누락" in page.content.decode()


def test_the_prior_notice_form_offers_the_cases_incidents(world, case):
    incident = report_incident(world, case, moment=WHEN)
    with at(WHEN):
        client = staff(world.decider)
        # Suspension goes through the prior notice (sanctions), which cites the incident.
        url = reverse("sanctions-notice-new", args=[case.pk])
        case.refresh_from_db()
        assert "Incident 1" in client.get(url).content.decode()
        response = client.post(
            url,
            {
                "version": case.version,
                "measure": "suspend",
                "period_days": "30",
                "grounds": "중대 사고",
                "incidents": [incident.pk],
            },
        )
    assert response.status_code == 302
    assert list(incident.prior_notices.values_list("measure", flat=True)) == ["suspend"]


def test_the_dashboard_and_the_deadlines_calendar_show_report_due_dates(world, case):
    with at(T0 + dt.timedelta(days=80)):
        dashboard = applicant(world.applicant).get(reverse("apply-dashboard"))
        calendar = staff(world.officer).get("/review/deadlines/?days=60")
    rows = dashboard.context["rows"]
    assert rows[0]["report"].deadline == dt.date(2026, 7, 1)
    assert dashboard.context["next_deadline"]["next"].deadline == dt.date(2026, 7, 1)
    kinds = {(i.kind, i.date) for day in calendar.context["calendar"] for i in day.items}
    assert ("report", dt.date(2026, 7, 1)) in kinds
