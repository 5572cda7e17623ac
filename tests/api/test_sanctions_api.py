"""/api/v1/prior-notices/: notices with the company's opinion and the hearings, read-only, the
same visibility as every endpoint, strict filters, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.workflow import ApplicationStatus as S
from sanctions import services as sanctions
from tests.builders import drive
from tests.portal import samples
from tests.supervision.helpers import T0, at

WHEN = T0 + dt.timedelta(days=1)


def _noticed(world: Any) -> Any:
    with at(T0 - dt.timedelta(days=1)):
        app = drive(world, S.ACTIVE)
    with at(T0):
        notice = sanctions.notice_send(
            application=app, by=world.decider, measure="revoke", grounds="반복 위반"
        )
        sanctions.hearing_schedule(
            notice=notice, by=world.decider, at=T0 + dt.timedelta(days=3), place="세종청사"
        )
    with at(WHEN):
        sanctions.opinion_submit(
            notice=notice,
            by=world.applicant,
            text="시정했습니다",
            hearing_requested=True,
            attachments=[("plan.pdf", [samples.PDF])],
        )
    return app, notice


@pytest.fixture
def case(world):
    return _noticed(world)


def results(api: Any, **params: Any) -> Any:
    response = api.get("/api/v1/prior-notices/", **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_notice_with_its_opinion_and_hearing(world, case, api_as):
    app, notice = case
    body = results(api_as(world.auditor), application=app.reference, measure="revoke")
    (row,) = body["results"]
    assert row["application"] == app.reference
    assert (row["number"], row["measure"], row["status"]) == (1, "revoke", "open")
    assert row["grounds"] == "반복 위반"
    assert row["opinion_due"] == "2026-03-12"
    assert row["opinion"]["text"] == "시정했습니다" and row["opinion"]["hearing_requested"]
    assert [f["name"] for f in row["opinion"]["attachments"]] == ["plan.pdf"]
    assert row["opinion"]["submitted_by"] == "applicant"
    (hearing,) = row["hearings"]
    assert hearing["place"] == "세종청사" and hearing["held_at"] is None
    assert row["letter_decision"] == notice.letter_decision_id


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
def test_the_same_visibility_as_every_endpoint(world, case, api_as, persona, sees):
    assert bool(results(api_as(world.persona(persona)))["results"]) is sees


def test_read_only_strict_and_signed_in_only(world, case, api_as):
    api = api_as(world.auditor)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert api.request(method, "/api/v1/prior-notices/").status_code == 405
    assert api_as(None).get("/api/v1/prior-notices/").status_code == 401
    assert api.get("/api/v1/prior-notices/", measure="fine").status_code == 400
    assert api.get("/api/v1/prior-notices/", status="maybe").status_code == 400


def test_the_list_runs_a_fixed_number_of_queries(world, case, api_as):
    api = api_as(world.auditor)

    def count() -> int:
        # right after another request: the token's last use is written once a minute at most
        assert api.get("/api/v1/prior-notices/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/prior-notices/").status_code == 200
        return len(captured)

    small = count()
    _noticed(world)
    assert count() == small
