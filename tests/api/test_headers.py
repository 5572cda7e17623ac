"""What every answer carries: a request id (also in the access log), Cache-Control no-store,
an ETag that a matching If-None-Match turns into a 304, and the RateLimit headers of the
token's budget; and the API root and the problem types."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from api.auth import ApiTokenThrottle
from api.models import ApiAccessLog
from applications.models import Decision
from tests.api.problems import problem_of
from tests.api.test_letters_api import PDF, _letter
from tests.builders import World, drive


def test_every_answer_has_a_request_id_and_the_access_log_keeps_it(world: World, api_as):
    api = api_as(world.auditor)
    answers = [
        api.get("/api/v1/applications/"),
        api.get("/api/v1/applications/NONE-1/"),
        api.get("/api/v1/nothing/"),
        api_as(None).get("/api/v1/events/"),
        Client().get("/"),  # pages too
    ]
    ids = [answer["X-Request-Id"] for answer in answers]
    assert all(len(value) == 32 for value in ids) and len(set(ids)) == len(ids)
    logged = list(ApiAccessLog.objects.order_by("id").values_list("request_id", "status_code"))
    assert logged == [(ids[0], 200), (ids[1], 404)]  # the log is of authenticated callers


def test_api_answers_are_not_to_be_stored(world: World, api_as):
    api = api_as(world.auditor)
    for answer in (
        api.get("/api/v1/applications/"),
        api.get("/api/v1/events/", format="csv"),
        api.get("/api/v1/applications/NONE-1/"),
        api_as(None).get("/api/v1/events/"),
        api.get("/api/v1/nothing/"),
    ):
        assert answer["Cache-Control"] == "no-store", answer.status_code


def test_etag_and_if_none_match_on_lists_and_details(world: World, api_as):
    app = drive(world, "submitted")
    api = api_as(world.auditor)
    for path in ("/api/v1/applications/", f"/api/v1/applications/{app.reference}/"):
        first = api.get(path)
        etag = first["ETag"]
        assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:40] + '"'
        same = api.client.get(path, headers={**api.headers(), "If-None-Match": etag})
        assert same.status_code == 304 and same.content == b""
        assert (same["ETag"], same["Cache-Control"]) == (etag, "no-store")
        weak = api.client.get(path, headers={**api.headers(), "If-None-Match": f'"x", W/{etag}'})
        assert weak.status_code == 304
        other = api.client.get(path, headers={**api.headers(), "If-None-Match": '"other"'})
        assert other.status_code == 200
    etag = api.get(f"/api/v1/applications/{app.reference}/")["ETag"]
    drive(world, "submitted")  # another case: the list changes, this case does not
    assert api.get(f"/api/v1/applications/{app.reference}/")["ETag"] == etag
    listed = api.client.get(
        "/api/v1/applications/", headers={**api.headers(), "If-None-Match": etag}
    )
    assert listed.status_code == 200
    assert list(ApiAccessLog.objects.values_list("status_code", flat=True)).count(304) == 4


def test_a_pdf_s_etag_is_its_sha256(world: World, api_as):
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "L-1")
    api = api_as(world.auditor)
    answer = api.get("/api/v1/letters/L-1/pdf/")
    assert answer["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    again = api.client.get(
        "/api/v1/letters/L-1/pdf/", headers={**api.headers(), "If-None-Match": answer["ETag"]}
    )
    assert again.status_code == 304


def test_ratelimit_headers_tell_the_budget(world: World, api_as, monkeypatch):
    monkeypatch.setattr(ApiTokenThrottle, "THROTTLE_RATES", {"api": "3/min"})
    api = api_as(world.auditor)
    answers = [api.get("/api/v1/decisions/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert {a["RateLimit-Policy"] for a in answers} == {'"api";q=3;w=60'}
    remaining = [a["RateLimit"].split(";")[1] for a in answers]
    assert remaining == ["r=2", "r=1", "r=0", "r=0"]
    reset = int(answers[-1]["RateLimit"].split(";t=")[1])
    assert 0 < reset <= 60
    assert int(answers[-1]["Retry-After"]) == reset or int(answers[-1]["Retry-After"]) > 0
    body = problem_of(answers[-1], 429, "throttled")
    assert body["request_id"] == answers[-1]["X-Request-Id"]


def test_the_api_root_lists_the_endpoints(world: World, api_as):
    body = api_as(world.auditor).get("/api/v1/").json()
    base = "http://testserver"
    assert body == {
        "name": "Sandbox API",
        "version": "1",
        "schema": f"{base}/api/schema/",
        "documentation": f"{base}/api/docs/",
        "verifier": f"{base}/api/verifier.py",
        "checkpoints_page": f"{base}/audit/checkpoints/",
        "endpoints": [
            {
                "name": "applications",
                "url": f"{base}/api/v1/applications/",
                "description": "Cases (list, one case, its history as of a moment).",
            },
            {
                "name": "decisions",
                "url": f"{base}/api/v1/decisions/",
                "description": "The decisions register.",
            },
            {
                "name": "events",
                "url": f"{base}/api/v1/events/",
                "description": "The audit event feed; CSV and NDJSON exports.",
            },
            {
                "name": "letters",
                "url": f"{base}/api/v1/letters/",
                "description": "Decision letters: list, record, PDF, ZIP with manifest.",
            },
            {
                "name": "reports",
                "url": f"{base}/api/v1/reports/",
                "description": "Supervision: the reporting schedule and filed reports.",
            },
            {
                "name": "incidents",
                "url": f"{base}/api/v1/incidents/",
                "description": "Supervision: incidents reported during the term.",
            },
            {
                "name": "insurance_policies",
                "url": f"{base}/api/v1/insurance-policies/",
                "description": "Supervision: insurance proofs.",
            },
            {
                "name": "user_notices",
                "url": f"{base}/api/v1/user-notices/",
                "description": "Supervision: user-notice evidence.",
            },
            {
                "name": "conditions",
                "url": f"{base}/api/v1/conditions/",
                "description": "Supervision: the conditions registers.",
            },
            {
                "name": "prior_notices",
                "url": f"{base}/api/v1/prior-notices/",
                "description": "Due process: prior notices, opinions, hearings.",
            },
            {
                "name": "meetings",
                "url": f"{base}/api/v1/meetings/",
                "description": "Committee meetings, agenda papers and minutes.",
            },
            {
                "name": "audit_verify",
                "url": f"{base}/api/v1/audit/verify/",
                "description": "Verify the audit chain (auditors).",
            },
            {
                "name": "audit_checkpoints",
                "url": f"{base}/api/v1/audit/checkpoints/",
                "description": "Signed checkpoints of the chain.",
            },
            {
                "name": "access_log",
                "url": f"{base}/api/v1/access-log/",
                "description": "Who used the API (auditors).",
            },
            {
                "name": "webhooks",
                "url": f"{base}/api/v1/webhooks/",
                "description": "Webhook subscriptions and their deliveries (auditors).",
            },
        ],
    }
    # Every endpoint it names answers.
    api = api_as(world.auditor)
    for endpoint in body["endpoints"]:
        assert api.get(endpoint["url"].removeprefix(base)).status_code == 200, endpoint


@pytest.mark.parametrize("code", ["invalid_parameter", "not_found", "throttled"])
def test_each_problem_type_is_documented_where_its_type_points(client, code):
    answer = client.get(f"/api/problems/{code}/")
    assert answer.status_code == 200
    assert answer.json()["code"] == code
    assert answer.json()["description"]
    listing = client.get("/api/problems/").json()["problem_types"]
    assert code in {item["code"] for item in listing}
    problem_of(client.get("/api/problems/nope/"), 404, "not_found")


def test_the_verifier_is_downloadable_as_it_is(client):
    answer = client.get("/api/verifier.py")
    assert answer.status_code == 200
    from api import verifier

    with open(verifier.__file__, "rb") as source:
        assert b"".join(answer.streaming_content) == source.read()
    assert 'filename="verifier.py"' in answer["Content-Disposition"]
