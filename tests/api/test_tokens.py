"""API tokens: issued once, stored hashed, revocable, throttled per token; access is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.auth import ApiTokenThrottle, api_token_issue
from api.models import ApiAccessLog, ApiToken
from tests.api.problems import problem_of
from tests.builders import World
from tests.factories import pass_second_factor


def _issue(username: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", username, *extra, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_issue_prints_the_token_once_and_stores_only_its_hash(world: World):
    raw, note = _issue("auditor", "--name", "annual audit")
    token = ApiToken.objects.get()
    assert raw.startswith(f"sbx_{token.prefix}_") and len(raw) > 40
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.name == "annual audit"
    assert token.user == world.auditor
    assert "not shown again" in note
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(raw in value for value in stored)
    second, _ = _issue("auditor")
    assert second != raw


def test_issue_refuses_an_unknown_user(world: World):
    with pytest.raises(CommandError, match="No active user"):
        _issue("nobody")
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_and_records_its_last_use(world: World, api_as):
    api = api_as(world.auditor)
    assert ApiToken.objects.get().last_used_at is None
    assert api.get("/api/v1/applications/").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None
    token_header = api.client.get(
        "/api/v1/applications/", headers={"Authorization": f"Token {api.raw_token}"}
    )
    assert token_header.status_code == 200


def test_a_tokens_last_use_is_written_at_most_once_a_minute(world: World, api_as):
    """``last_used_at`` is right to the minute: a machine pulling back to back does not write
    its token's row on every request, and the next minute's request moves it on."""
    api = api_as(world.auditor)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert api.get("/api/v1/events/").status_code == 200
    assert ApiToken.objects.get().last_used_at == start
    with (
        time_machine.travel(start + dt.timedelta(seconds=59), tick=False),
        CaptureQueriesContext(connection) as pulls,
    ):
        assert api.get("/api/v1/events/").status_code == 200
    assert ApiToken.objects.get().last_used_at == start
    assert not [
        q for q in pulls.captured_queries if "UPDATE" in q["sql"] and "apitoken" in q["sql"]
    ]
    later = start + dt.timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        assert api.get("/api/v1/events/").status_code == 200
    assert ApiToken.objects.get().last_used_at == later
    out = io.StringIO()
    call_command("revoke_api_token", "--list", stdout=out)
    assert "last used 2026-03-02 09:01" in out.getvalue()


def test_a_revoked_token_stops_working_at_once(world: World, api_as):
    api = api_as(world.auditor)
    assert api.get("/api/v1/events/").status_code == 200
    token = ApiToken.objects.get()
    out = io.StringIO()
    call_command("revoke_api_token", token.prefix, stdout=out)
    assert "revoked" in out.getvalue()
    response = api.get("/api/v1/events/")
    body = problem_of(response, 401, "authentication_failed")
    assert body["detail"] == "Invalid or revoked token."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    with pytest.raises(CommandError, match="already revoked"):
        call_command("revoke_api_token", token.prefix)
    with pytest.raises(CommandError, match="No API token"):
        call_command("revoke_api_token", "00000000")


def test_garbage_credentials_are_refused(world: World, api_as):
    api = api_as(None)
    for header in ("Bearer", "Bearer a b", "Bearer sbx_nope", "Token ünïcode"):
        response = api.client.get("/api/v1/events/", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_throttling_is_per_token(world: World, api_as, monkeypatch):
    monkeypatch.setattr(ApiTokenThrottle, "THROTTLE_RATES", {"api": "3/min"})
    first, second = api_as(world.auditor), api_as(world.auditor)
    codes = [first.get("/api/v1/decisions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = first.get("/api/v1/decisions/")
    assert int(limited["Retry-After"]) > 0
    assert second.get("/api/v1/decisions/").status_code == 200


def test_every_api_access_by_an_auditor_is_logged(world: World, api_as):
    api = api_as(world.auditor)
    api.get("/api/v1/applications/", status="approved")
    api.get("/api/v1/applications/NONE-1/")
    api.get("/api/v1/events/", format="csv")
    token = ApiToken.objects.get()
    logged = list(
        ApiAccessLog.objects.order_by("id").values_list(
            "user__username", "token", "role", "method", "path", "status_code"
        )
    )
    assert logged == [
        ("auditor", token.pk, "auditor", "GET", "/api/v1/applications/?status=approved", 200),
        ("auditor", token.pk, "auditor", "GET", "/api/v1/applications/NONE-1/", 404),
        ("auditor", token.pk, "auditor", "GET", "/api/v1/events/?format=csv", 200),
    ]


def test_session_authentication_serves_the_browser(world: World, client):
    pass_second_factor(client, world.auditor)  # staff sessions need it (tests/accounts/)
    assert client.get("/api/v1/applications/").status_code == 200
    assert ApiAccessLog.objects.get().token is None


def test_issue_service_returns_a_working_secret(world: World, api_as):
    token, raw = api_token_issue(username="officer", name="x")
    assert token.user == world.officer and raw.startswith("sbx_")


def test_operators_see_tokens_and_accesses_in_the_admin_but_cannot_forge_them(
    world: World, api_as, client
):
    from django.contrib.auth.models import User
    from django.urls import reverse

    api_as(world.auditor).get("/api/v1/events/")
    pass_second_factor(client, User.objects.create_superuser("operator", "op@example.test", "pw"))
    for model in ("apitoken", "apiaccesslog"):
        listing = client.get(reverse(f"admin:api_{model}_changelist"))
        assert listing.status_code == 200
        assert "auditor" in listing.content.decode()
        assert client.get(reverse(f"admin:api_{model}_add")).status_code == 403
    log = ApiAccessLog.objects.get()
    change = client.post(reverse("admin:api_apiaccesslog_change", args=[log.pk]), {})
    assert change.status_code == 403
