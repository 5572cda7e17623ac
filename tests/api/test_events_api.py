"""/api/v1/events/: the global feed, keyset pages on seq, and the CSV / NDJSON exports."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import time
from typing import Any

import pytest
from django.db import transaction

from applications.audit import audit_record
from applications.models import AuditEvent
from tests.api.chain import append_bulk
from tests.api.problems import named, problem_of
from tests.builders import World, drive


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_page_is_events_in_chain_order_with_a_next_link(world: World, api_as):
    app = drive(world, "submitted")
    rows = list(AuditEvent.objects.order_by("seq"))
    body = api_as(world.auditor).get("/api/v1/events/", limit=2).json()
    assert body == {
        "next": f"http://testserver/api/v1/events/?limit=2&after_seq={rows[1].seq}",
        "last_seq": rows[1].seq,
        "results": [
            {
                "seq": rows[0].seq,
                "occurred_at": rows[0].occurred_at.isoformat().replace("+00:00", "Z"),
                "application": app.reference,
                "actor": "applicant",
                "actor_role": "applicant",
                "action": "draft_created",
                "from_status": "draft",
                "to_status": "draft",
                "payload": {"track": "demonstration"},
                "prev_hash": "0" * 64,
                "hash": rows[0].hash,
            },
            {
                "seq": rows[1].seq,
                "occurred_at": rows[1].occurred_at.isoformat().replace("+00:00", "Z"),
                "application": app.reference,
                "actor": "applicant",
                "actor_role": "applicant",
                "action": "regulation_added",
                "from_status": "draft",
                "to_status": "draft",
                "payload": {"statute": "도로교통법", "article": "제2조 제10호"},
                "prev_hash": rows[0].hash,
                "hash": rows[1].hash,
            },
        ],
    }
    rest = api_as(world.auditor).get("/api/v1/events/", after_seq=rows[1].seq).json()
    assert [e["seq"] for e in rest["results"]] == [r.seq for r in rows[2:]]
    assert rest["next"] is None


def test_filters_narrow_the_feed(world: World, api_as):
    first = drive(world, "submitted")
    drive(world, "under_review")
    api = api_as(world.auditor)
    by_case = api.get("/api/v1/events/", application=first.reference).json()["results"]
    assert {e["application"] for e in by_case} == {first.reference}
    assert [e["action"] for e in by_case] == ["draft_created", "regulation_added", "submit"]
    accepts = api.get("/api/v1/events/", action="accept").json()["results"]
    assert [(e["actor"], e["to_status"]) for e in accepts] == [("officer", "under_review")]
    assert api.get("/api/v1/events/", actor="decider").json()["results"] == []
    bad = api.get("/api/v1/events/", after_seq="-1", limit="0", occurred_from="tomorrow")
    assert bad.status_code == 400


def test_ndjson_and_csv_exports_carry_the_same_events_as_the_json_feed(world: World, api_as):
    drive(world, "approved")
    api = api_as(world.auditor)
    page = api.get("/api/v1/events/", limit=1000).json()["results"]

    ndjson = api.get("/api/v1/events/", format="ndjson")
    assert ndjson.status_code == 200
    assert ndjson["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert [json.loads(line) for line in _body(ndjson).decode().splitlines()] == page

    exported = api.get("/api/v1/events/", format="csv")
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"].startswith('attachment; filename="events-')
    raw = _body(exported)
    assert raw.startswith(b"\xef\xbb\xbfseq,occurred_at,application,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [
        {**row, "seq": int(row["seq"]), "payload": json.loads(row["payload"])} for row in rows
    ] == page
    assert "제1차 심의위원회" in raw.decode("utf-8-sig")


def test_exports_honour_filters_and_after_seq_and_accept_headers(world: World, api_as):
    first = drive(world, "submitted")
    drive(world, "submitted")
    api = api_as(world.auditor)
    seqs = list(AuditEvent.objects.filter(application=first).values_list("seq", flat=True))
    lines = _body(
        api.get("/api/v1/events/", format="ndjson", application=first.reference, after_seq=seqs[0])
    ).splitlines()
    assert [json.loads(line)["seq"] for line in lines] == seqs[1:]
    by_header = api.client.get("/api/v1/events/", headers={**api.headers(), "Accept": "text/csv"})
    assert by_header["Content-Type"] == "text/csv; charset=utf-8"
    empty = _body(api.get("/api/v1/events/", format="csv", application="NONE-1"))
    assert empty.decode("utf-8-sig").splitlines() == [
        "seq,occurred_at,application,actor,actor_role,action,from_status,to_status,payload,prev_hash,hash"
    ]


def test_cursor_walk_over_10k_events_returns_each_once_while_events_are_appended(
    world: World, api_as
):
    app = drive(world, "submitted")
    append_bulk(10_000, application=app)
    api = api_as(world.auditor)
    seen: list[int] = []
    url: str | None = "/api/v1/events/?limit=1000"
    appended = 0
    while url:
        body = api.client.get(url, headers=api.headers()).json()
        seen += [event["seq"] for event in body["results"]]
        url = body["next"]
        if appended < 30:  # writers keep appending while the auditor pulls
            with transaction.atomic():
                for _ in range(3):
                    audit_record(
                        application=app,
                        actor=world.officer,
                        actor_role="case_officer",
                        action="note_added",
                        payload={"n": appended},
                    )
                    appended += 1
    stored = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(stored) > 10_000 + 30
    assert seen == stored  # every event exactly once, in order, the appended ones included


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _export_rss_growth(api: Any, fmt: str) -> tuple[int, int]:
    """(lines streamed, growth of the resident set over the export in bytes)."""
    gc.collect()
    before, peak, lines = _rss_bytes(), 0, 0
    for chunk in api.get("/api/v1/events/", format=fmt).streaming_content:
        lines += chunk.count(b"\n")
        peak = max(peak, _rss_bytes())
    return lines, peak - before


@pytest.mark.postgres  # about 15 s on a busy two-core machine: run in the PostgreSQL pass
def test_export_of_100k_events_keeps_memory_flat(world: World, api_as):
    append_bulk(100_000)
    api = api_as(world.auditor)
    started = time.monotonic()
    csv_lines, csv_growth = _export_rss_growth(api, "csv")
    ndjson_lines, ndjson_growth = _export_rss_growth(api, "ndjson")
    assert (csv_lines, ndjson_lines) == (100_001, 100_000)  # CSV has a header line
    # Each export is 35-60 MB of text and 100k rows; read whole, the rows alone would take
    # hundreds of MB. Streamed one keyset batch at a time, the resident set barely moves.
    assert csv_growth < 16 * 1024 * 1024, csv_growth
    assert ndjson_growth < 16 * 1024 * 1024, ndjson_growth
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z"],
)
def test_moments_that_cannot_be_expressed_in_utc_are_a_400_not_an_overflow(
    world: World, api_as, moment
):
    app = drive(world, "submitted")
    api = api_as(world.auditor)
    responses = {
        "as_of": api.get(f"/api/v1/applications/{app.reference}/history/", as_of=moment),
        "occurred_from": api.get("/api/v1/events/", occurred_from=moment),
        "occurred_to": api.get("/api/v1/events/", occurred_to=moment, format="csv"),
    }
    for name, response in responses.items():
        errors = named(problem_of(response, 400, "invalid_parameter"))
        assert list(errors) == [name]
        assert "out of range" in errors[name][0]
    fine = api.get("/api/v1/events/", occurred_from="0001-01-02T00:00:00Z", format="csv")
    assert fine.status_code == 200


def test_an_ndjson_line_escapes_what_needs_escaping():
    from api.exports import ndjson_line

    row = (
        7,
        "2026-03-02T01:00:00Z",
        None,
        'kim "the\\nauditor"\n',
        "시스템",
        "a\tb",
        "",
        "x",
        '{"k": "값"}',
        "ab" * 32,
        "cd" * 32,
    )
    line = ndjson_line(row)
    assert line.endswith("}\n") and line.count("\n") == 1
    assert json.loads(line) == {
        "seq": 7,
        "occurred_at": "2026-03-02T01:00:00Z",
        "application": None,
        "actor": 'kim "the\\nauditor"\n',
        "actor_role": "시스템",
        "action": "a\tb",
        "from_status": "",
        "to_status": "x",
        "payload": {"k": "값"},
        "prev_hash": "ab" * 32,
        "hash": "cd" * 32,
    }
    assert "시스템" in line  # UTF-8, not \\u escapes
