"""/api/v1/applications/: list with filters, the whole case, and its history as of a moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from applications import services
from applications.models import AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from tests.api.problems import named, problem_of
from tests.builders import World, drive

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul
ISO = "2026-03-02T01:00:00Z"


def _events(app: Any, literals: list[tuple[str, str, str, str, str, dict[str, Any]]]) -> list[Any]:
    """Expected event objects: the literal content, with seq and hashes from the stored chain."""
    rows = list(AuditEvent.objects.filter(application=app).order_by("seq"))
    assert len(rows) == len(literals)
    return [
        {
            "seq": row.seq,
            "occurred_at": ISO,
            "application": app.reference,
            "actor": actor,
            "actor_role": role,
            "action": action,
            "from_status": source,
            "to_status": target,
            # The submission lists the events recorded while the case was a draft.
            "payload": (
                {**payload, "draft_events": [r.seq for r in rows if r.to_status == "draft"]}
                if action == "submit"
                else payload
            ),
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
        for row, (actor, role, action, source, target, payload) in zip(rows, literals, strict=True)
    ]


APPROVED_EVENTS = [
    ("applicant", "applicant", "draft_created", "draft", "draft", {"track": "demonstration"}),
    (
        "applicant",
        "applicant",
        "regulation_added",
        "draft",
        "draft",
        {"statute": "도로교통법", "article": "제2조 제10호"},
    ),
    ("applicant", "applicant", "submit", "draft", "submitted", {"track": "demonstration"}),
    (
        "officer",
        "case_officer",
        "accept",
        "submitted",
        "under_review",
        {"assigned_officer": "officer", "no_conflict_declared": True},
    ),
    (
        "officer",
        "case_officer",
        "recommend",
        "under_review",
        "deliberation",
        {
            "outcome": "approve",
            "proposed_term_days": 730,
            "proposed_conditions": ["시속 5km 이하"],
            "legal_basis": "",
            "reasons": "",
        },
    ),
    (
        "decider",
        "decision_maker",
        "approve",
        "deliberation",
        "approved",
        {
            "committee_reference": "제1차 심의위원회",
            "term_start": "2026-03-02",
            "term_end": "2028-03-01",
            "conditions": ["시속 5km 이하"],
        },
    ),
]


def _summary(world: World, reference: str, **fields: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "title": "자율주행 배송 로봇",
        "organization": "모빌리티랩",
        "organization_registration_number": world.organization.registration_number,
        "program": "ICT",
        "ministry": "MSIT",
        "track": "demonstration",
        "track_kind": "exemption",
        "url": f"http://testserver/api/v1/applications/{reference}/",
        **fields,
    }


@pytest.fixture
def approved(world: World) -> Any:
    with time_machine.travel(T0, tick=False):
        return drive(world, "approved")


def test_list_shows_submitted_cases_newest_first_and_never_drafts(world, api_as):
    with time_machine.travel(T0, tick=False):
        approved = drive(world, "approved")
        submitted = drive(world, "submitted")
        drive(world, "draft")
    body = api_as(world.auditor).get("/api/v1/applications/").json()
    assert body == {
        "next": None,
        "previous": None,
        "results": [
            _summary(
                world,
                submitted.reference,
                status="submitted",
                submitted_at=ISO,
                deadline="2026-05-31T01:00:00Z",
                decided_at=None,
                term_start=None,
                term_end=None,
            ),
            _summary(
                world,
                approved.reference,
                status="approved",
                submitted_at=ISO,
                deadline="2026-05-31T01:00:00Z",
                decided_at=ISO,
                term_start="2026-03-02",
                term_end="2028-03-01",
            ),
        ],
    }


def test_detail_is_the_whole_case(world, api_as, approved):
    decision = Decision.objects.get(application=approved)
    body = api_as(world.auditor).get(f"/api/v1/applications/{approved.reference}/").json()
    assert body == {
        **_summary(
            world,
            approved.reference,
            status="approved",
            submitted_at=ISO,
            deadline="2026-05-31T01:00:00Z",
            decided_at=ISO,
            term_start="2026-03-02",
            term_end="2028-03-01",
        ),
        "summary": "아파트 단지 내 로봇 배송",
        "scope": {
            "requested_start": None,
            "requested_term_days": 730,
            "region": "서울 강남구",
            "scale": "로봇 20대",
            "max_users": 5000,
            "test_plan": "",
        },
        "regulations": [
            {
                "statute": "도로교통법",
                "article": "제2조 제10호",
                "competent_ministry": "MOLIT",
                "requirement": "",
                "ground": "",
                "reason": "로봇의 보도 통행 금지",
            }
        ],
        "consultations": [],
        "recommendation": {
            "outcome": "approve",
            "officer": "officer",
            "created_at": ISO,
            "proposed_term_days": 730,
            "proposed_conditions": ["시속 5km 이하"],
            "legal_basis": "",
            "reasons": "",
        },
        "decisions": [
            {
                "id": decision.pk,
                "application": approved.reference,
                "program": "ICT",
                "outcome": "approval",
                "decided_at": ISO,
                "decided_by": "decider",
                "recommender": "officer",
                "committee_reference": "제1차 심의위원회",
                "legal_basis": "정보통신융합법 제38조의2",
                "term_start": "2026-03-02",
                "term_end": "2028-03-01",
                "conditions": ["시속 5km 이하"],
                "exempted_provisions": ["도로교통법 제2조 제10호"],
                "reasons": "",
                "confirmation_outcome": "",
                "letter_number": None,
                "letter_sha256": None,
            }
        ],
        "extensions": [],
        "law_amendments": [],
        # Made with the decision; rendering waits for the commit, which a test never reaches.
        "letters": [
            {
                "number": f"{approved.reference}-L1",
                "application": approved.reference,
                "decision": decision.pk,
                "kind": "approval",
                "language": "ko",
                "status": "pending",
                "version": 1,
                "created_at": ISO,
                "issued_at": None,
                "size": None,
                "sha256": "",
                "supersedes": None,
                "superseded_by": None,
                "pdf_url": None,
            }
        ],
        "events": _events(approved, APPROVED_EVENTS),
        "events_complete": True,
        "events_url": f"http://testserver/api/v1/applications/{approved.reference}/events/",
        "history_url": f"http://testserver/api/v1/applications/{approved.reference}/history/",
    }


def test_history_rebuilds_the_case_as_it_stood_at_a_moment(world, api_as):
    with time_machine.travel(T0, tick=False):
        app = drive(world, "active")
    with time_machine.travel(T0 + dt.timedelta(days=100), tick=False):
        request = services.extension_request_file(
            application=app,
            by=world.applicant,
            new_end=dt.date(2029, 3, 1),
            reason="실증 기간 부족",
        )
    with time_machine.travel(T0 + dt.timedelta(days=200), tick=False):
        services.extension_request_decide(
            extension_request=request, by=world.decider, grant=True, reason="연장 필요"
        )
    api = api_as(world.auditor)
    url = f"/api/v1/applications/{app.reference}/history/"

    before = api.get(url, as_of="2026-03-02T01:00:00Z", limit=2).json()
    seqs = list(
        AuditEvent.objects.filter(application=app, occurred_at__lte=T0).values_list(
            "seq", flat=True
        )
    )
    assert before["case"] == {
        "as_of": ISO,
        "status": "active",
        "term_start": "2026-03-02",
        "term_end": "2028-03-01",
        "conditions": ["시속 5km 이하"],
        "extensions_granted": 0,
        "last_event_seq": seqs[-1],
    }
    assert [e["seq"] for e in before["results"]] == seqs[:2]
    assert before["next"] == (
        f"http://testserver{url}?as_of=2026-03-02T01%3A00%3A00Z&limit=2&after_seq={seqs[1]}"
    )

    after = api.get(url, as_of="2026-12-31T00:00:00+09:00").json()
    assert after["case"]["term_end"] == "2029-03-01"
    assert after["case"]["extensions_granted"] == 1
    assert after["case"]["status"] == "active"
    assert after["results"][-1]["action"] == "extend"

    before_submission = api.get(url, as_of="2026-03-01T00:00:00Z").json()
    assert before_submission["case"]["status"] is None
    assert before_submission["results"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "approved"}, ["approved"]),
        ({"status": "submitted"}, ["submitted"]),
        ({"program": "ICT"}, ["approved", "submitted"]),
        ({"program": "FIN"}, []),
        ({"ministry": "MSIT"}, ["approved", "submitted"]),
        ({"ministry": "MOLIT"}, []),
        ({"track": "demonstration"}, ["approved", "submitted"]),
        ({"track": "fast_confirmation"}, []),
        ({"decided_from": "2026-03-02"}, ["approved"]),
        ({"decided_to": "2026-03-01"}, []),
        ({"submitted_from": "2026-03-03"}, []),
        ({"submitted_to": "2026-03-02"}, ["approved", "submitted"]),
        ({"search": "배송 로봇"}, ["approved", "submitted"]),
        ({"search": "ICT-2026-00001"}, ["approved"]),
        ({"search": "없는말"}, []),
    ],
)
def test_list_filters(world, api_as, params, expected):
    with time_machine.travel(T0, tick=False):
        drive(world, "approved")
        drive(world, "submitted")
    body = api_as(world.auditor).get("/api/v1/applications/", **params).json()
    assert sorted(item["status"] for item in body["results"]) == expected


def test_list_filter_by_organization_registration_number(world, api_as, approved):
    api = api_as(world.auditor)
    own = api.get("/api/v1/applications/", organization=world.organization.registration_number)
    other = api.get(
        "/api/v1/applications/", organization=world.other_organization.registration_number
    )
    assert [item["reference"] for item in own.json()["results"]] == [approved.reference]
    assert other.json()["results"] == []


def test_bad_filter_values_are_a_400_naming_the_parameter(world, api_as):
    api = api_as(world.auditor)
    response = api.get("/api/v1/applications/", status="nonsense", submitted_from="yesterday")
    assert set(named(problem_of(response, 400, "invalid_parameter"))) == {
        "status",
        "submitted_from",
    }
    history = api.get("/api/v1/applications/ICT-2026-00001/history/", as_of="soon")
    assert set(named(problem_of(history, 400, "invalid_parameter"))) == {"as_of"}


def test_cursor_pagination_walks_every_case_once(world, api_as):
    with time_machine.travel(T0, tick=False):
        refs = {drive(world, "submitted").reference for _ in range(5)}
    api = api_as(world.auditor)
    seen: list[str] = []
    url: str | None = "/api/v1/applications/?page_size=2"
    while url:
        body = api.client.get(url, headers=api.headers()).json()
        seen += [item["reference"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(refs)


def _hand_back_and_forth(world: World, app: Any, times: int) -> None:
    """Two internal events a round: the officer releases the case and claims it again."""
    for _ in range(times):
        services.application_release(application=app, by=world.officer, reason="교대")
        services.application_claim(application=app, by=world.officer, no_conflict_declared=True)


def _walk(api: Any, url: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    pages = 0
    while url:
        response = api.get(url, limit=7) if not pages else api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= 7
        events.extend(body["results"])
        url = body["next"]
        pages += 1
    return events


def test_a_case_with_many_events_answers_a_bounded_detail_and_pages_every_event_once(
    world: World, api_as: Any
) -> None:
    app = drive(world, S.UNDER_REVIEW)
    _hand_back_and_forth(world, app, 15)
    auditor = api_as(world.auditor)
    url = f"/api/v1/applications/{app.reference}/"
    before = auditor.get(url)
    body = before.json()
    stored = list(AuditEvent.objects.filter(application=app).order_by("seq"))
    assert len(stored) > 30
    assert [e["seq"] for e in body["events"]] == [e.seq for e in stored[-20:]]
    assert body["events_complete"] is False
    _hand_back_and_forth(world, app, 40)
    after = auditor.get(url)
    assert len(after.json()["events"]) == 20
    # Eighty more events, the same size of answer (give or take a digit of the seqs).
    assert abs(len(after.content) - len(before.content)) < 100

    walked = _walk(auditor, body["events_url"])
    stored = list(AuditEvent.objects.filter(application=app).order_by("seq"))
    assert [e["seq"] for e in walked] == [e.seq for e in stored]
    assert [e["hash"] for e in walked] == [e.hash for e in stored]


def test_an_applicant_pages_only_the_events_they_may_read(world: World, api_as: Any) -> None:
    app = drive(world, S.UNDER_REVIEW)
    _hand_back_and_forth(world, app, 12)
    applicant = api_as(world.applicant)
    body = applicant.get(f"/api/v1/applications/{app.reference}/").json()
    walked = _walk(applicant, body["events_url"])
    actions = [e["action"] for e in walked]
    assert "submit" in actions
    assert not {"claimed", "released", "assigned"} & set(actions)
    readable = AuditEvent.objects.filter(application=app, action__in=["submit", "draft_created"])
    assert {e.seq for e in readable} <= {e["seq"] for e in walked}
    assert [e["seq"] for e in walked] == sorted({e["seq"] for e in walked})
    assert body["events_complete"] is True
    assert [e["seq"] for e in body["events"]] == [e["seq"] for e in walked][-20:]
    # Another organisation's applicant finds no such case, and no events either.
    other = api_as(world.other_applicant)
    assert other.get(body["events_url"].removeprefix("http://testserver")).status_code == 404
