"""/api/v1/access-log/: who pulled what, when, with which token — for auditors only."""

from __future__ import annotations

import datetime as dt

import time_machine

from api.models import ApiToken
from tests.api.problems import problem_of
from tests.builders import World

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_auditors_read_every_access_newest_first(world: World, api_as):
    officer, auditor = api_as(world.officer), api_as(world.auditor)
    with time_machine.travel(T0, tick=False):
        seen = officer.get("/api/v1/applications/", status="approved")
        missing = officer.get("/api/v1/applications/NONE-1/")
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        body = auditor.get("/api/v1/access-log/", user="officer").json()
    token = ApiToken.objects.get(user=world.officer)
    entries = body["results"]
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    assert [{k: v for k, v in e.items() if k != "id"} for e in entries] == [
        {
            "at": "2026-03-02T01:00:00Z",
            "user": "officer",
            "role": "case_officer",
            "token": token.prefix,
            "token_name": "test",
            "method": "GET",
            "path": "/api/v1/applications/NONE-1/",
            "status_code": 404,
            "request_id": missing["X-Request-Id"],
        },
        {
            "at": "2026-03-02T01:00:00Z",
            "user": "officer",
            "role": "case_officer",
            "token": token.prefix,
            "token_name": "test",
            "method": "GET",
            "path": "/api/v1/applications/?status=approved",
            "status_code": 200,
            "request_id": seen["X-Request-Id"],
        },
    ]


def test_filters_narrow_the_log(world: World, api_as):
    officer, auditor = api_as(world.officer), api_as(world.auditor)
    with time_machine.travel(T0, tick=False):
        first = officer.get("/api/v1/decisions/")
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        officer.get("/api/v1/applications/NONE-1/")

    def paths(**params: str) -> list[str]:
        answer = auditor.client.get("/api/v1/access-log/", params, headers=auditor.headers())
        return [e["path"] for e in answer.json()["results"]]

    assert paths(status_code="404") == ["/api/v1/applications/NONE-1/"]
    assert paths(path="/api/v1/dec") == ["/api/v1/decisions/"]  # paths starting with it
    assert paths(request_id=first["X-Request-Id"]) == ["/api/v1/decisions/"]
    assert paths(at_to="2026-03-02T01:30:00Z", user="officer") == ["/api/v1/decisions/"]
    prefix = ApiToken.objects.get(user=world.officer).prefix
    assert len(paths(token=prefix)) == 2
    assert paths(method="POST") == []


def test_only_auditors_read_the_log(world: World, api_as):
    for persona in ("applicant", "officer", "decider", "consultee"):
        answer = api_as(world.persona(persona)).get("/api/v1/access-log/", colour="x")
        body = problem_of(answer, 403, "permission_denied")  # before any parameter check
        assert body["detail"] == "Only auditors may read the access log."
    assert api_as(None).get("/api/v1/access-log/").status_code == 401
