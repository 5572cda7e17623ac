"""An empty or unknown ``?format=`` is refused with a problem naming it, never answered as if no
format had been asked for (schemathesis found an empty one accepted)."""

from __future__ import annotations

from api.auth import api_token_issue
from applications.models import Decision
from tests.api.problems import named, problem_of
from tests.api.test_letters_api import _letter
from tests.builders import drive


def test_an_empty_or_unknown_format_is_a_400_naming_it(world, client):
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "ICT-L-2026-0001")
    _, raw = api_token_issue(username=world.auditor.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = "/api/v1/letters/ICT-L-2026-0001/pdf/"
    assert client.get(url, **auth).status_code == 200
    for bad in (url + "?format=", url + "?format=nope", "/api/v1/events/?format="):
        answer = problem_of(client.get(bad, **auth), 400, "invalid_parameter")
        assert list(named(answer)) == ["format"], bad
    assert client.get("/api/v1/events/?format=csv", **auth).status_code == 200
