"""Each page runs a fixed number of queries whatever the data size (no N+1)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import World, drive


def _queries(api: Any, url: str) -> int:
    """The queries of a GET of ``url`` made right after another: the token's last use is written
    at most once a minute (``api.auth.token_record_use``), so the first would count that write."""
    assert api.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def test_lists_and_the_detail_do_not_grow_with_the_data(world: World, api_as):
    api = api_as(world.auditor)
    first = drive(world, "active")
    urls = {
        "list": "/api/v1/applications/",
        "detail": f"/api/v1/applications/{first.reference}/",
        "decisions": "/api/v1/decisions/",
        "events": "/api/v1/events/",
        "history": f"/api/v1/applications/{first.reference}/history/",
    }
    small = {name: _queries(api, url) for name, url in urls.items()}
    for status in ("active", "rejected", "suspended", "approved"):
        drive(world, status)
    large = {name: _queries(api, url) for name, url in urls.items()}
    assert large == small


def test_a_long_case_costs_the_detail_no_more_queries_than_a_short_one(world: World, api_as):
    api = api_as(world.auditor)
    short = drive(world, "approved")  # one decision
    long = drive(world, "suspended")  # more events and child rows, two decisions
    assert _queries(api, f"/api/v1/applications/{short.reference}/") == _queries(
        api, f"/api/v1/applications/{long.reference}/"
    )
