"""Incidents: the company reports them (category, severity, times, users affected, what was
done); a serious one is emailed at once to the lead ministry's officers and decision makers in
their language; one reported later than the track's deadline is marked late; staff
acknowledge, ask questions, close; an incident can be the ground of a suspension."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext as _

from applications import services
from applications.models import AuditEvent, Decision
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from documents.models import Document
from supervision import services as supervision
from supervision.models import Incident, IncidentStatus
from tests.builders import notice_ready
from tests.portal import samples
from tests.supervision.helpers import T0, active, at, report_incident, supervised

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(days=40)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def report(world, app, *, by=None, **overrides: Any) -> Incident:
    return report_incident(world, app, moment=NOW, by=by, **overrides)


def test_a_serious_incident_emails_the_lead_ministry_at_once_each_in_their_language(
    world, case, on_commit
):
    profile = world.decider.staff_profile
    profile.language = "en"
    profile.save()
    with on_commit():
        incident = report(world, case)
    assert incident.number == 1 and incident.status == IncidentStatus.REPORTED
    sent = {
        tuple(m.to): m
        for m in mail.outbox
        if "incident" in m.subject.lower() or "사고" in m.subject
    }
    assert set(sent) == {
        ("officer@example.test", "other_officer@example.test"),
        ("decider@example.test",),
    }
    korean, english = (
        sent[("officer@example.test", "other_officer@example.test")],
        sent[("decider@example.test",)],
    )
    for message, language in ((korean, "ko"), (english, "en")):
        with translation.override(language):
            expected = _("Serious incident reported on %(reference)s") % {
                "reference": case.reference
            }
        assert message.subject == expected
        html = message.alternatives[0][0]
        assert f'<html lang="{language}">' in html
        assert f"/review/{case.pk}/incidents/{incident.pk}/" in message.body
    assert "foreign_officer@example.test" not in {a for m in mail.outbox for a in m.to}


def test_a_moderate_incident_emails_nobody(world, case, on_commit):
    with on_commit():
        report(world, case, severity="moderate")
    assert not [m for m in mail.outbox if "incident" in m.subject.lower()]


@pytest.mark.parametrize(
    ("severity", "hours_ago", "late"),
    [
        ("serious", 23, False),
        ("serious", 25, True),
        ("moderate", 71, False),
        ("moderate", 73, True),
    ],
)
def test_an_incident_reported_after_the_tracks_deadline_is_late(
    world, case, severity, hours_ago, late
):
    incident = report(
        world,
        case,
        severity=severity,
        occurred_at=NOW - (hours_ago + 1) * HOUR,
        detected_at=NOW - hours_ago * HOUR,
    )
    assert incident.late is late
    assert incident.deadline_hours == (24 if severity == "serious" else 72)
    event = AuditEvent.objects.get(application=case, action="incident_reported")
    assert event.payload["late"] is late


def test_the_deadline_is_a_setting(world):
    supervised(world, serious_incident_hours=48)
    with at(T0):
        app = active(world)
    assert (
        report(world, app, detected_at=NOW - 30 * HOUR, occurred_at=NOW - 31 * HOUR).late is False
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"detected_at": NOW - 5 * HOUR, "occurred_at": NOW - 2 * HOUR}, "detected_at"),
        ({"occurred_at": NOW + HOUR}, "occurred_at"),
        ({"detected_at": NOW + HOUR}, "detected_at"),
        ({"occurred_at": T0 - dt.timedelta(days=2)}, "occurred_at"),
        ({"category": "weather"}, "category"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"affected_users": -1}, "affected_users"),
        ({"description": "  "}, "description"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(world, case, change, field, on_commit):
    events = AuditEvent.objects.count()
    with on_commit(), pytest.raises(InvalidInput) as refused:
        report(world, case, **change)
    assert field in refused.value.errors
    assert not Incident.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not mail.outbox


def test_a_refused_evidence_file_saves_no_incident_and_sends_no_email(world, case, on_commit):
    with on_commit(), pytest.raises(InvalidInput):
        report(world, case, attachments=[("photo.png", [samples.PNG]), ("x.pdf", [samples.ELF])])
    assert not Incident.objects.exists()
    assert not Document.objects.filter(doc_type="incident").exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("other_applicant", NotVisible),
        ("officer", NotPermitted),
        ("auditor", NotPermitted),
        ("foreign_officer", NotVisible),
    ],
)
def test_only_the_company_reports_incidents(world, case, persona, error):
    with pytest.raises(error):
        report(world, case, by=world.persona(persona))
    assert not Incident.objects.exists()


def test_no_incident_is_filed_on_a_case_not_in_force(world, case):
    with at(T0 + dt.timedelta(days=800)):
        services.application_expire(application=case)
    with pytest.raises(WrongState):
        report(world, case)


def test_a_replayed_incident_form_files_nothing_twice(world, case):
    report(world, case, expected_count=0)
    with pytest.raises(StaleVersion):
        report(world, case, expected_count=0)
    assert Incident.objects.count() == 1


def test_staff_acknowledge_ask_the_company_answers_and_staff_close(world, case):
    incident = report(world, case)
    with at(NOW + HOUR):
        supervision.incident_step(incident=incident, by=world.officer, step="acknowledge")
        supervision.incident_step(
            incident=incident, by=world.officer, step="ask", text="속도 기록을 제출하십시오."
        )
        with pytest.raises(NotPermitted):  # the question is the company's to answer
            supervision.incident_step(incident=incident, by=world.officer, step="answer", text="x")
        with pytest.raises(InvalidInput):
            supervision.incident_step(incident=incident, by=world.applicant, step="answer")
        supervision.incident_step(
            incident=incident, by=world.applicant, step="answer", text="시속 4km였습니다."
        )
        with pytest.raises(NotPermitted):
            supervision.incident_step(incident=incident, by=world.applicant, step="close")
        supervision.incident_step(incident=incident, by=world.officer, step="close", text="종결")
        with pytest.raises(WrongState):
            supervision.incident_step(incident=incident, by=world.officer, step="ask", text="?")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert [(m.kind, m.text) for m in incident.messages.all()] == [
        ("acknowledgement", ""),
        ("question", "속도 기록을 제출하십시오."),
        ("answer", "시속 4km였습니다."),
        ("closure", "종결"),
    ]
    actions = list(
        AuditEvent.objects.filter(application=case, action__startswith="incident").values_list(
            "action", "actor_role"
        )
    )
    assert actions == [
        ("incident_reported", "applicant"),
        ("incident_acknowledged", "case_officer"),
        ("incident_question_asked", "case_officer"),
        ("incident_answered", "applicant"),
        ("incident_closed", "case_officer"),
    ]


def test_a_stale_incident_form_is_refused(world, case):
    incident = report(world, case)
    opened = incident.version
    supervision.incident_step(incident=incident, by=world.officer, step="acknowledge")
    with pytest.raises(StaleVersion):
        supervision.incident_step(
            incident=incident, by=world.other_officer, step="close", expected_version=opened
        )


@pytest.mark.parametrize("persona", ["decider", "auditor", "foreign_officer", "other_applicant"])
def test_only_the_lead_ministrys_officers_handle_incidents(world, case, persona):
    incident = report(world, case)
    with pytest.raises((NotPermitted, NotVisible)):
        supervision.incident_step(incident=incident, by=world.persona(persona), step="acknowledge")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.REPORTED


def test_a_suspension_cites_the_incident_as_its_ground(world, case):
    incident = report(world, case)
    with at(NOW + HOUR):
        notice_ready(world, case, "suspend")
        decision = supervision.sanction_with_incidents(
            application=case,
            by=world.decider,
            measure="suspend",
            reason="중대 사고 조사",
            incidents=[incident],
        )
    assert decision.kind == "suspension"
    assert list(incident.sanctions.all()) == [decision]
    cited = AuditEvent.objects.get(application=case, action="incidents_cited")
    assert cited.payload == {"decision": decision.pk, "measure": "suspend", "incidents": [1]}


def test_an_incident_of_another_case_cannot_be_cited_and_nothing_is_decided(world, case):
    with at(T0):
        supervised_other = active(world)
    theirs = report(world, supervised_other)
    with pytest.raises(InvalidInput):
        supervision.sanction_with_incidents(
            application=case, by=world.decider, measure="suspend", reason="x", incidents=[theirs]
        )
    assert not Decision.objects.filter(application=case, kind="suspension").exists()


def test_only_a_decision_maker_sanctions(world, case):
    incident = report(world, case)
    with pytest.raises(NotPermitted):
        supervision.sanction_with_incidents(
            application=case, by=world.officer, measure="suspend", reason="x", incidents=[incident]
        )
    assert not incident.sanctions.exists()
