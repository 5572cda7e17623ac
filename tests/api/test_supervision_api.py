"""/api/v1/reports/, /incidents/, /insurance-policies/, /user-notices/, /conditions/: read-only,
whole-JSON bodies, the same visibility as every endpoint, strict filters, fixed query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import services as supervision
from supervision.models import ConditionRecord, Incident, Report, UserNotice
from tests.portal import samples
from tests.supervision.helpers import T0, active, at, file_report, supervised

WHEN = T0 + dt.timedelta(days=100)
ENDPOINTS = ["reports", "incidents", "insurance-policies", "user-notices", "conditions"]


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        app = active(world)
    with at(WHEN):
        report = Report.objects.filter(application=app).order_by("due_on").first()
        file_report(world, report, attachments=[("log.pdf", [samples.PDF])])
        supervision.report_review(report=report, by=world.officer, accept=False, reasons="보완")
        incident = supervision.incident_report(
            application=app,
            by=world.applicant,
            category="safety",
            severity="moderate",
            occurred_at=WHEN - dt.timedelta(hours=3),
            detected_at=WHEN - dt.timedelta(hours=2),
            affected_users=1,
            description="충돌",
            actions_taken="정지",
        )
        supervision.incident_step(incident=incident, by=world.officer, step="ask", text="속도?")
        supervision.user_notice_file(
            application=app,
            by=world.applicant,
            channels="앱",
            notice_text="실증특례",
            url="https://example.test/n",
        )
        supervision.insurance_policy_review(
            proof=app.insurance_proofs.get(), by=world.officer, accept=True
        )
        supervision.condition_update(
            record=ConditionRecord.objects.filter(application=app).first(),
            by=world.officer,
            status="met",
            evidence="보고서",
        )
    return app


def results(api: Any, endpoint: str, **params: Any) -> Any:
    response = api.get(f"/api/v1/{endpoint}/", **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_report_with_its_filings(world, case, api_as):
    body = results(
        api_as(world.auditor), "reports", application=case.reference, status="revision_requested"
    )
    report = Report.objects.get(application=case, status="revision_requested")
    filing = report.submissions.get()
    document = filing.attachments.get()
    assert body == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": report.pk,
                "application": case.reference,
                "number": 1,
                "kind": "periodic",
                "period_start": "2026-03-02",
                "period_end": "2026-06-01",
                "due_on": "2026-07-01",
                "condition_number": None,
                "status": "revision_requested",
                "overdue_at": None,
                "filings": [
                    {
                        "number": 1,
                        "period_start": "2026-03-02",
                        "period_end": "2026-06-01",
                        "values": [
                            {"name": "운행 거리", "unit": "km", "value": "12"},
                            {"name": "보행자 근접 정지", "unit": "회", "value": "12"},
                        ],
                        "users_served": 120,
                        "transactions": 480,
                        "complaints": 0,
                        "complaints_summary": "",
                        "incidents_summary": "",
                        "problems": "",
                        "attachments": [
                            {
                                "id": document.pk,
                                "name": "log.pdf",
                                "type": "report",
                                "size": len(samples.PDF),
                                "sha256": document.sha256,
                            }
                        ],
                        "submitted_at": "2026-06-10T01:00:00Z",
                        "submitted_by": "applicant",
                        "outcome": "revision_requested",
                        "review_reasons": "보완",
                        "reviewed_at": "2026-06-10T01:00:00Z",
                        "reviewed_by": "officer",
                    }
                ],
            }
        ],
    }


def test_an_incident_with_its_messages(world, case, api_as):
    incident = Incident.objects.get()
    body = results(api_as(world.applicant), "incidents")
    assert body["results"] == [
        {
            "id": incident.pk,
            "application": case.reference,
            "number": 1,
            "category": "safety",
            "severity": "moderate",
            "occurred_at": "2026-06-09T22:00:00Z",
            "detected_at": "2026-06-09T23:00:00Z",
            "reported_at": "2026-06-10T01:00:00Z",
            "deadline_hours": 72,
            "late": False,
            "affected_users": 1,
            "description": "충돌",
            "actions_taken": "정지",
            "corrective_actions": "",
            "status": "awaiting_answer",
            "reported_by": "applicant",
            "attachments": [],
            "messages": [
                {
                    "kind": "question",
                    "text": "속도?",
                    "author": "officer",
                    "author_role": "case_officer",
                    "at": "2026-06-10T01:00:00Z",
                }
            ],
            "sanctions": [],
        }
    ]


def test_policies_notices_and_conditions(world, case, api_as):
    api = api_as(world.officer)
    proof = case.insurance_proofs.get()
    assert results(api, "insurance-policies")["results"] == [
        {
            "id": proof.pk,
            "application": case.reference,
            "insurer": "한화손해보험",
            "policy_number": "P-1",
            "coverage_start": "2026-03-02",
            "coverage_end": "2028-03-01",
            "coverage_per_person": 100_000_000,
            "coverage_per_accident": 300_000_000,
            "aggregate": 1_000_000_000,
            "added_at": "2026-03-02T01:00:00Z",
            "added_by": "applicant",
            "certificate": None,
            "status": "accepted",
            "review_reasons": "",
            "reviewed_at": "2026-06-10T01:00:00Z",
            "reviewed_by": "officer",
        }
    ]
    notice = UserNotice.objects.get()
    assert results(api, "user-notices")["results"] == [
        {
            "id": notice.pk,
            "application": case.reference,
            "number": 1,
            "channels": "앱",
            "notice_text": "실증특례",
            "url": "https://example.test/n",
            "attachments": [],
            "filed_at": "2026-06-10T01:00:00Z",
            "filed_by": "applicant",
            "status": "submitted",
            "review_reasons": "",
            "reviewed_at": None,
            "reviewed_by": None,
        }
    ]
    conditions = results(api, "conditions", status="met")["results"]
    record = ConditionRecord.objects.get(application=case, number=1)
    assert conditions == [
        {
            "id": record.pk,
            "application": case.reference,
            "decision": record.decision_id,
            "number": 1,
            "text": "최고 속도 시속 5km 이하로 운행할 것",
            "status": "met",
            "evidence": "보고서",
            "note": "",
            "updated_at": "2026-06-10T01:00:00Z",
            "updated_by": "officer",
        }
    ]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("auditor", True),
        ("applicant", True),
        ("officer", True),
        ("decider", True),
        ("other_applicant", False),
        ("foreign_officer", False),
        ("consultee", False),
    ],
)
def test_the_same_visibility_as_every_endpoint(world, case, api_as, endpoint, persona, sees):
    body = results(api_as(world.persona(persona)), endpoint)
    assert bool(body["results"]) is sees
    assert {row["application"] for row in body["results"]} <= {case.reference}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_read_only_and_signed_in_only(world, case, api_as, endpoint):
    api = api_as(world.auditor)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert api.request(method, f"/api/v1/{endpoint}/").status_code == 405
    assert api_as(None).get(f"/api/v1/{endpoint}/").status_code == 401


@pytest.mark.parametrize(
    ("endpoint", "params"),
    [
        ("reports", {"status": "lost"}),
        ("reports", {"application": ""}),
        ("incidents", {"severity": "apocalyptic"}),
        ("conditions", {"status": "maybe"}),
        ("user-notices", {"page_size": "0"}),
    ],
)
def test_bad_filters_are_400(world, case, api_as, endpoint, params):
    assert api_as(world.auditor).get(f"/api/v1/{endpoint}/", **params).status_code == 400


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_list_runs_a_fixed_number_of_queries(world, case, api_as, endpoint):
    api = api_as(world.auditor)

    def count() -> int:
        # right after another request: the token's last use is written once a minute at most
        assert api.get(f"/api/v1/{endpoint}/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/{endpoint}/").status_code == 200
        return len(captured)

    small = count()
    with at(T0):
        other = active(world)
    with at(WHEN):
        report = Report.objects.filter(application=other).order_by("due_on").first()
        file_report(world, report)
        supervision.incident_report(
            application=other,
            by=world.applicant,
            category="data",
            severity="minor",
            occurred_at=WHEN - dt.timedelta(hours=3),
            detected_at=WHEN - dt.timedelta(hours=2),
            affected_users=0,
            description="d",
            actions_taken="a",
        )
    assert count() == small
