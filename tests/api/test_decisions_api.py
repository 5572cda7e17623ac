"""/api/v1/decisions/: the register of decisions, newest first, with filters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from applications.models import Decision
from tests.api.problems import named, problem_of
from tests.builders import World, drive

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def register(world: World) -> dict[str, Decision]:
    with time_machine.travel(T0, tick=False):
        approved = drive(world, "approved")
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        rejected = drive(world, "rejected")
    return {
        "approval": Decision.objects.get(application=approved),
        "rejection": Decision.objects.get(application=rejected),
    }


def test_the_register_is_every_decision_newest_first(world: World, api_as, register):
    approval, rejection = register["approval"], register["rejection"]
    body = api_as(world.auditor).get("/api/v1/decisions/").json()
    assert body == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": rejection.pk,
                "application": rejection.application.reference,
                "program": "ICT",
                "outcome": "rejection",
                "decided_at": "2026-03-12T01:00:00Z",
                "decided_by": "decider",
                "recommender": "officer",
                "committee_reference": "",
                "legal_basis": "정보통신융합법 제38조의2",
                "term_start": None,
                "term_end": None,
                "conditions": [],
                "exempted_provisions": [],
                "reasons": "근거 부족",
                "confirmation_outcome": "",
                "letter_number": None,
                "letter_sha256": None,
            },
            {
                "id": approval.pk,
                "application": approval.application.reference,
                "program": "ICT",
                "outcome": "approval",
                "decided_at": "2026-03-02T01:00:00Z",
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
            },
        ],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"outcome": "approval"}, ["approval"]),
        ({"outcome": "rejection"}, ["rejection"]),
        ({"outcome": "revocation"}, []),
        ({"program": "ICT"}, ["rejection", "approval"]),
        ({"program": "FIN"}, []),
        ({"decided_from": "2026-03-05"}, ["rejection"]),
        ({"decided_to": "2026-03-05"}, ["approval"]),
        ({"decider": "decider"}, ["rejection", "approval"]),
        ({"decider": "foreign_decider"}, []),
    ],
)
def test_register_filters(world: World, api_as, register, params, expected):
    body = api_as(world.auditor).get("/api/v1/decisions/", **params).json()
    assert [item["outcome"] for item in body["results"]] == expected


def test_a_bad_outcome_is_a_400(world: World, api_as):
    response = api_as(world.auditor).get("/api/v1/decisions/", outcome="maybe")
    assert list(named(problem_of(response, 400, "invalid_parameter"))) == ["outcome"]
