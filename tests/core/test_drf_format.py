"""An empty ``?format=`` is a 404 like an unknown one, not the default answer (schemathesis
found it accepted as valid)."""

from __future__ import annotations

from api.auth import api_token_issue
from applications.models import Decision
from tests.api.test_letters_api import _letter
from tests.builders import drive


def test_an_empty_format_is_not_found_like_an_unknown_one(world, client):
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "ICT-L-2026-0001")
    _, raw = api_token_issue(username=world.auditor.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = "/api/v1/letters/ICT-L-2026-0001/pdf/"
    assert client.get(url, **auth).status_code == 200
    assert client.get(url + "?format=", **auth).status_code == 404
    assert client.get(url + "?format=nope", **auth).status_code == 404
    assert client.get("/api/v1/events/?format=", **auth).status_code == 404
    assert client.get("/api/v1/events/?format=csv", **auth).status_code == 200
