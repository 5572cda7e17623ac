"""/api/v1/events/ queries auditors asked for: several actions at once, the actor's role,
programme, ministry, transitions (from/to), before_seq, and newest first (pages and exports)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from applications.models import AuditEvent
from tests.builders import World, drive


def _seqs(body: dict[str, Any]) -> list[int]:
    return [event["seq"] for event in body["results"]]


def _all(**filters: Any) -> list[int]:
    return list(AuditEvent.objects.filter(**filters).order_by("seq").values_list("seq", flat=True))


def test_each_filter_selects_what_it_says(world: World, api_as):
    approved = drive(world, "approved")
    drive(world, "supplement_requested")
    api = api_as(world.auditor)

    def get(**params: Any) -> list[int]:
        return _seqs(api.get("/api/v1/events/", limit=1000, **params).json())

    assert get(action=["submit", "approve"]) == _all(action__in=["submit", "approve"])
    assert get(actor_role="decision_maker") == _all(actor_role="decision_maker")
    assert get(actor_role="case_officer", action="accept") == _all(
        actor_role="case_officer", action="accept"
    )
    assert get(program="ICT") == _all(application__isnull=False)
    assert get(program="FIN") == []
    assert get(ministry="MSIT") == _all(application__isnull=False)
    assert get(ministry="MOLIT") == []
    assert get(from_status="deliberation", to_status="approved") == _all(action="approve")
    assert get(to_status="supplement_requested") == _all(action="request_supplement")
    assert get(application=approved.reference, from_status="draft") == _all(
        application=approved, from_status="draft"
    )


def test_newest_first_pages_walk_back_with_before_seq(world: World, api_as):
    drive(world, "approved")
    drive(world, "approved")
    api = api_as(world.auditor)
    everything = _all()
    seen: list[int] = []
    url: str | None = "/api/v1/events/?order=desc&limit=3"
    while url:
        body = api.client.get(url, headers=api.headers()).json()
        seen += _seqs(body)
        if body["next"]:
            assert f"before_seq={body['last_seq']}" in body["next"]
        url = body["next"]
    assert seen == everything[::-1]
    window = api.get("/api/v1/events/", after_seq=everything[2], before_seq=everything[6]).json()
    assert _seqs(window) == everything[3:6]
    newest = api.get("/api/v1/events/", order="desc", limit=2, action="submit").json()
    assert _seqs(newest) == _all(action="submit")[::-1][:2]


def test_newest_first_exports_stream_the_same_events_in_reverse(world: World, api_as):
    drive(world, "approved")
    api = api_as(world.auditor)

    def ndjson(**params: Any) -> list[int]:
        body = b"".join(api.get("/api/v1/events/", format="ndjson", **params).streaming_content)
        return [json.loads(line)["seq"] for line in body.decode().splitlines()]

    assert ndjson(order="desc") == _all()[::-1]
    assert ndjson(order="desc", before_seq=_all()[-1]) == _all()[:-1][::-1]
    raw = b"".join(api.get("/api/v1/events/", format="csv", order="desc").streaming_content)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [int(row["seq"]) for row in rows] == _all()[::-1]
