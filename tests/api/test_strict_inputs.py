"""Every rule for what a client sends: unknown, repeated, empty and NUL parameters, moments
without an offset or out of range, garbled cursors, numbers too large for the database,
unknown routes and formats. Each is a problem naming the parameter, never a 500 (the suite
runs on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from applications.models import AuditEvent, Decision
from tests.api.problems import named, problem_of
from tests.api.test_letters_api import _letter
from tests.builders import World, drive

LISTS = [
    "/api/v1/applications/",
    "/api/v1/decisions/",
    "/api/v1/events/",
    "/api/v1/letters/",
    "/api/v1/access-log/",
    "/api/v1/audit/checkpoints/",
    "/api/v1/webhooks/",
]


@pytest.fixture
def api(world: World, api_as) -> Any:
    app = drive(world, "approved")
    _letter(Decision.objects.get(application=app), "ICT-L-2026-0001")
    client = api_as(world.auditor)
    client.client = Client(raise_request_exception=False)  # a 500 must show as a 500
    client.reference = app.reference
    return client


def _bad(response: Any, *names: str) -> dict[str, list[str]]:
    errors = named(problem_of(response, 400, "invalid_parameter"))
    assert sorted(errors) == sorted(names), errors
    return errors


def test_an_unknown_parameter_is_named(api):
    paths = [*LISTS, f"/api/v1/applications/{api.reference}/", "/api/v1/audit/verify/"]
    paths.append(f"/api/v1/applications/{api.reference}/history/")
    for path in paths:
        errors = _bad(api.get(path, colour="blue", status_="x"), "colour", "status_")
        assert errors["colour"] == ["Unknown parameter."], path
    # Filters belong to lists: on a case's page they are unknown too.
    _bad(api.get(f"/api/v1/applications/{api.reference}/", status="approved"), "status")


def test_a_single_valued_parameter_given_twice_is_named(api):
    response = api.get("/api/v1/applications/", status=["approved", "active"])
    assert _bad(response, "status")["status"] == ["Give this parameter once."]
    _bad(api.get("/api/v1/events/", after_seq=["1", "2"]), "after_seq")
    # ...while the events' action may be given several times.
    both = api.get("/api/v1/events/", action=["submit", "approve"])
    assert both.status_code == 200
    assert [e["action"] for e in both.json()["results"]] == ["submit", "approve"]


def test_an_empty_value_is_named(api):
    for path in LISTS:
        response = api.client.get(f"{path}?page_size=", headers=api.headers())
        if path == "/api/v1/events/":
            response = api.client.get(f"{path}?limit=", headers=api.headers())
        assert list(named(problem_of(response, 400, "invalid_parameter"))), path


def test_nul_characters_are_refused_in_values_names_and_paths(api):
    assert _bad(api.get("/api/v1/applications/", search="a\x00b"), "search")["search"] == [
        "NUL characters are not allowed."
    ]
    _bad(api.client.get("/api/v1/events/?act%00ion=x", headers=api.headers()), "act\\0ion")
    response = api.client.get("/api/v1/applications/ICT%00X/", headers=api.headers())
    body = problem_of(response, 400, "invalid_parameter")
    assert body["errors"] == [
        {"name": "reference", "in": "path", "detail": "NUL characters are not allowed."}
    ]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("occurred_from", "/api/v1/events/"),
        ("issued_from", "/api/v1/letters/"),
        ("at_to", "/api/v1/access-log/"),
        ("as_of", "/api/v1/applications/{ref}/history/"),
    ],
)
def test_a_moment_without_an_offset_is_refused_not_read_as_seoul_time(api, name, path):
    response = api.get(path.format(ref=api.reference), **{name: "2026-03-02T10:00:00"})
    assert _bad(response, name)[name] == [
        "Give the UTC offset too, e.g. 2026-03-02T01:00:00Z or …+09:00."
    ]
    with_offset = api.get(path.format(ref=api.reference), **{name: "2026-03-02T10:00:00+09:00"})
    assert with_offset.status_code == 200


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+09:00",
        "0001-01-02T00:00:00+14:00",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",
        "2026-02-30T00:00:00Z",
        "2026-03-02T25:00:00Z",
        "2026-03-02 01:00:00Z",
        "soon",
    ],
)
def test_year_one_and_other_impossible_moments_are_a_400(api, moment):
    response = api.get(f"/api/v1/applications/{api.reference}/history/", as_of=moment)
    _bad(response, "as_of")
    _bad(api.get("/api/v1/events/", occurred_to=moment, format="csv"), "occurred_to")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "cD1hYmM=",  # a base64 cursor of the kind this API gave before (p=abc)
        "cj0xJnA9MTIz",
        "n-5",
        "x12",
        "n12~",
        "n" + "9" * 20,
        "n12~99999",
        "n\u0661\u0662",  # Arabic-Indic digits
    ],
)
def test_a_forged_or_garbled_cursor_is_a_400(api, cursor):
    for path in LISTS:
        response = api.get(path, cursor=cursor) if path != "/api/v1/events/" else None
        if response is not None:
            _bad(response, "cursor")


def test_a_well_formed_cursor_only_moves_the_page(world: World, api):
    drive(world, "approved")
    walk = api.get("/api/v1/decisions/", page_size=1).json()
    assert walk["next"] is not None
    # The largest position the form allows is clamped, not an overflow.
    for cursor in ("n9999999999999999999", "p0", "n", "n1~1000"):
        assert api.get("/api/v1/applications/", cursor=cursor).status_code == 200, cursor
        assert api.get("/api/v1/decisions/", cursor=cursor).status_code == 200, cursor


def test_numbers_out_of_range_are_named(api):
    _bad(api.get("/api/v1/events/", after_seq=str(2**63)), "after_seq")
    _bad(api.get("/api/v1/events/", before_seq="0"), "before_seq")
    _bad(api.get("/api/v1/events/", limit="1001", after_seq="1.0"), "limit", "after_seq")
    _bad(api.get("/api/v1/events/", after_seq="-1", limit=" 5"), "after_seq", "limit")
    _bad(api.get("/api/v1/applications/", page_size="501"), "page_size")
    _bad(api.get("/api/v1/access-log/", status_code="99"), "status_code")
    huge = "9" * 19
    for path in (f"/api/v1/audit/checkpoints/{huge}/", f"/api/v1/webhooks/{huge}/"):
        problem_of(api.get(path), 404, "not_found")


def test_unknown_routes_and_formats_answer_problems_not_html(api):
    body = problem_of(api.get("/api/v1/nothing/"), 404, "not_found")
    assert body["detail"] == "There is no such API endpoint; GET /api/v1/ lists them."
    problem_of(api.request("POST", "/api/nowhere"), 404, "not_found")
    hint = problem_of(api.get("/api/v1/applications"), 404, "not_found")
    assert hint["detail"] == "There is no such API endpoint. Did you mean /api/v1/applications/?"
    assert _bad(api.get("/api/v1/events/", format="xml"), "format")["format"] == [
        "Choose one of: json, csv, ndjson."
    ]
    _bad(api.get(f"/api/v1/applications/{api.reference}/", format="csv"), "format")
    xml = api.client.get(
        f"/api/v1/applications/{api.reference}/",
        headers={**api.headers(), "Accept": "application/xml"},
    )
    problem_of(xml, 406, "not_acceptable")
    anonymous = Client().get("/api/v1/nothing/")
    problem_of(anonymous, 404, "not_found")


def test_methods_come_before_parameters(api):
    response = api.client.generic(
        "TRACE", "/api/v1/letters/ICT-L-2026-0001/pdf/?colour=1", headers=api.headers()
    )
    problem_of(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_request_body_that_is_not_json_or_breaks_the_rules_is_named(api):
    hooks = "/api/v1/webhooks/"
    not_json = api.client.post(
        hooks, "url=x", content_type="application/x-www-form-urlencoded", headers=api.headers()
    )
    problem_of(not_json, 415, "unsupported_media_type")
    garbled = api.client.post(
        hooks, "{nope", content_type="application/json", headers=api.headers()
    )
    problem_of(garbled, 400, "invalid_body")
    wrong = api.client.post(
        hooks,
        {"url": 12, "event_types": ["audit.nope"], "colour": "x", "description": "a\x00"},
        content_type="application/json",
        headers=api.headers(),
    )
    body = problem_of(wrong, 400, "invalid_body")
    assert body["errors"] == [
        {"name": "url", "in": "body", "detail": "Not a valid string."},
        {"name": "event_types.0", "in": "body", "detail": '"audit.nope" is not a valid choice.'},
        {"name": "description", "in": "body", "detail": "Null characters are not allowed."},
    ]
    extra = api.client.post(
        hooks,
        {"url": "https://example.org/h", "event_types": ["audit.*"], "colour": "x"},
        content_type="application/json",
        headers=api.headers(),
    )
    assert named(problem_of(extra, 400, "invalid_body")) == {"colour": ["Unknown field."]}


def test_none_of_the_bad_inputs_reached_the_database_as_a_500(api):
    """A sweep of nasty values over every list's parameters: 200 or 400, nothing else."""
    values = ["\x00", "'; DROP TABLE x; --", "\ud7ff" * 3, "9" * 40, "-1", "0", "%", "ë" * 300]
    for path in LISTS:
        allowed = api.get(path).status_code
        assert allowed == 200, path
        for value in values:
            for name in ("search", "application", "program", "actor", "token", "path", "kind"):
                status = api.client.get(path, {name: value}, headers=api.headers()).status_code
                assert status in (200, 400), (path, name, value, status)
    assert AuditEvent.objects.exists()
