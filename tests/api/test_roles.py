"""Who reads what: a role × endpoint matrix, and no endpoint takes writes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from api.models import ApiToken
from applications.models import Decision
from tests.api.test_letters_api import _letter
from tests.builders import World, drive

ENDPOINTS = {
    "list": "/api/v1/applications/",
    "detail": "/api/v1/applications/{ref}/",
    "history": "/api/v1/applications/{ref}/history/",
    "decisions": "/api/v1/decisions/",
    "events": "/api/v1/events/",
    "events.csv": "/api/v1/events/?format=csv",
    "letter": "/api/v1/letters/L-1/",
    "letter.pdf": "/api/v1/letters/L-1/pdf/",
    "verify": "/api/v1/audit/verify/",
    "letters": "/api/v1/letters/",
    "letters.zip": "/api/v1/letters/zip/",
    "checkpoints": "/api/v1/audit/checkpoints/",
    "access-log": "/api/v1/access-log/",
    "webhooks": "/api/v1/webhooks/",
    "root": "/api/v1/",
}
AUDITORS_ONLY = {"verify": 403, "access-log": 403, "webhooks": 403}

SEES = {name: 200 for name in ENDPOINTS} | AUDITORS_ONLY
SEES_NOTHING = {
    "list": 200,
    "detail": 404,
    "history": 404,
    "decisions": 200,
    "events": 200,
    "events.csv": 200,
    "letter": 404,
    "letter.pdf": 404,
    "letters": 200,
    "letters.zip": 200,
    "checkpoints": 200,
    "root": 200,
    **AUDITORS_ONLY,
}
REFUSED = {name: 401 for name in ENDPOINTS}

MATRIX = {
    "auditor": {name: 200 for name in ENDPOINTS},
    "applicant": SEES,  # the case's own organisation
    "officer": SEES,  # the programme's lead ministry
    "foreign_officer": SEES_NOTHING,  # staff of another ministry
    "other_applicant": SEES_NOTHING,  # applicant of another organisation
    "anonymous": REFUSED,
    "revoked": REFUSED,
}


def _client(world: World, api_as: Any, role: str) -> Any:
    if role == "anonymous":
        return api_as(None)
    if role == "revoked":
        api = api_as(world.auditor)
        call_command("revoke_api_token", ApiToken.objects.get().prefix, stdout=io.StringIO())
        return api
    return api_as(world.persona(role))


def _shows_the_case(response: Any, reference: str) -> bool:
    if response.status_code != 200:
        return False
    if response.streaming:
        return reference in b"".join(response.streaming_content).decode("utf-8-sig")
    return reference in response.content.decode()


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_endpoint_matrix(world: World, api_as, role):
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "L-1")
    api = _client(world, api_as, role)
    outcome = {}
    for name, url in ENDPOINTS.items():
        response = api.get(url.format(ref=app.reference))
        outcome[name] = response.status_code
        quiet = {"letter.pdf", "verify", "letters.zip", "checkpoints", "root", "access-log"}
        quiet.add("webhooks")  # none of these name a case
        if response.status_code == 200 and name not in quiet:
            # Whatever answers 200 either shows the case (may read it) or is empty (may not).
            assert _shows_the_case(response, str(app.reference)) == (
                MATRIX[role] is not SEES_NOTHING
            )
    assert outcome == MATRIX[role]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_endpoint_takes_writes(world: World, api_as, method):
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "L-1")
    auditor, anonymous = api_as(world.auditor), api_as(None)
    # Auditors write only their own things: checkpoints (POST) and webhook subscriptions.
    writable = {("POST", "checkpoints"), ("POST", "webhooks")}
    for name, url in ENDPOINTS.items():
        path = url.format(ref=app.reference)
        if (method, name) in writable:
            continue
        response = auditor.request(method, path)
        assert response.status_code == 405, (method, path)
        assert "GET" in response["Allow"]
        assert anonymous.request(method, path).status_code == 401
