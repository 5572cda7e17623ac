"""The exports written by PostgreSQL (``COPY``) are byte for byte the Python path's, on events
with awkward payloads and names; on SQLite the Python path is the only one and the endpoint
serves it. Run in both passes (the PostgreSQL pass runs every test that touches the database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from api import exports
from api.exports import (
    copy_csv_chunks,
    copy_exports,
    copy_ndjson_chunks,
    csv_chunks,
    event_batches,
    ndjson_chunks,
)
from api.selectors import events_visible_to
from applications.audit import audit_record, audit_verify
from applications.models import AuditEvent
from applications.roles import Role
from tests.builders import World, drive
from tests.factories import make_user

AWKWARD_PAYLOADS: list[dict[str, Any]] = [
    {},
    {"메모": '확인 "중"', "note": "줄\n바꿈\r\t탭", "b": "back\\slash \\n \\u0041"},
    {"ctl": "\x01\x02\x1f\x7f\u2028\u2029\ufeff", "emoji": "🙂", "z": None, "t": True, "f": False},
    {"big": 2**63 + 1, "neg": -(2**70), "zero": 0, "list": [1, [2, [3, {}]], [], "x"]},
    {"nested": {"bb": {"a": [{"z": 1, "aa": 2}], "b": "c"}, "a": {}}, "aaa": 1, "c": 2},
    {"=SUM(A1)": "=cmd|' /C calc'!A0", "+x": "-1", "@y": "'quoted", "tab": "\tlead"},
    {"draft_events": [1, 2], "comma, in key": 'a,b,"c"', "": "empty key", " ": " "},
]


def _moments() -> Iterator[dt.datetime]:
    yield dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)
    yield dt.datetime(2026, 3, 2, 1, 0, 0, 250000, tzinfo=dt.UTC)
    yield dt.datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC)
    yield dt.datetime(1999, 1, 1, 9, 0, 0, 999999, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def _awkward_trail(world: World) -> None:
    """Draft events, a submission that lists them, a case in review, events without a case,
    and actors whose names a spreadsheet would run as formulas or quote."""
    drive(world, "approved")
    drive(world, "draft")
    app = drive(world, "submitted")
    odd_actors = [
        make_user(Role.CASE_OFFICER, ministry=world.lead, username='=HYPERLINK("x"),y'),
        make_user(Role.AUDITOR, username="-줄\n바꿈"),
        None,
    ]
    moments = _moments()
    for index, payload in enumerate(AWKWARD_PAYLOADS):
        with transaction.atomic():
            audit_record(
                application=app if index % 2 else None,
                actor=odd_actors[index % 3],
                actor_role=Role.CASE_OFFICER,
                action="claimed",
                from_status="under_review" if index % 2 else "",
                to_status="under_review" if index % 2 else "",
                payload=payload,
                at=next(moments, None),
            )


def _python_path(events: Any, fmt: str, newest_first: bool = False) -> bytes:
    batches = event_batches(events, batch=3, newest_first=newest_first)
    return b"".join(csv_chunks(batches) if fmt == "csv" else ndjson_chunks(batches))


def _served(api: Any, fmt: str, **params: Any) -> bytes:
    response = api.get("/api/v1/events/", format=fmt, **params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_served_exports_are_the_python_paths_bytes(world: World, api_as, fmt):
    _awkward_trail(world)
    assert audit_verify().ok
    every = events_visible_to(user=world.auditor)
    auditor = api_as(world.auditor)
    assert _served(auditor, fmt) == _python_path(every, fmt)
    assert _served(auditor, fmt, order="desc") == _python_path(every, fmt, newest_first=True)
    seq = AuditEvent.objects.order_by("seq").values_list("seq", flat=True)[3]
    assert _served(auditor, fmt, after_seq=seq, action="claimed") == _python_path(
        every.filter(seq__gt=seq, action="claimed"), fmt
    )
    # An officer's scope: only their ministry's cases (no events without a case).
    officer = events_visible_to(user=world.officer)
    assert _served(api_as(world.officer), fmt) == _python_path(officer, fmt)
    assert officer.count() < every.count()
    # Nothing matches: the CSV is its header, the NDJSON empty.
    empty = _served(auditor, fmt, actor="nobody")
    assert empty == _python_path(every.none(), fmt)
    assert empty == (
        b"\xef\xbb\xbfseq,occurred_at,application,actor,actor_role,action,"
        b"from_status,to_status,payload,prev_hash,hash\r\n"
        if fmt == "csv"
        else b""
    )


@pytest.mark.postgres
@pytest.mark.parametrize("newest_first", [False, True])
def test_copy_writes_the_python_paths_bytes_on_postgresql(world: World, newest_first):
    assert copy_exports()
    _awkward_trail(world)
    every = events_visible_to(user=world.auditor)
    scopes = [
        every,
        every.filter(application__isnull=True),
        every.filter(to_status="draft"),
        events_visible_to(user=world.officer),
        events_visible_to(user=world.applicant),
        every.filter(actor_name__startswith="="),
    ]
    for events in scopes:
        for fmt, copy in (("csv", copy_csv_chunks), ("ndjson", copy_ndjson_chunks)):
            written = b"".join(copy(events, newest_first=newest_first))
            assert written == _python_path(events, fmt, newest_first), (fmt, events.query)
    # The awkward parts are really there (the comparison is not between two empty files).
    ndjson = b"".join(copy_ndjson_chunks(every)).decode()
    assert '"big": 9223372036854775809' in ndjson
    assert "\\u0001\\u0002\\u001f\x7f\u2028" in ndjson
    assert '"occurred_at": "2026-03-02T01:00:00.250000Z"' in ndjson
    assert '"occurred_at": "1999-01-01T00:00:00.999999Z"' in ndjson
    csv_text = b"".join(copy_csv_chunks(every)).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert '"-줄\n바꿈"' not in csv_text and '"\'-줄\n바꿈"' in csv_text


@pytest.mark.postgres
def test_a_copy_export_left_halfway_leaves_the_connection_usable(world: World, monkeypatch):
    """A client that hangs up closes the stream mid-COPY; the next query still runs."""
    _awkward_trail(world)
    monkeypatch.setattr(exports, "COPY_CHUNK", 64)
    chunks = copy_ndjson_chunks(events_visible_to(user=world.auditor))
    first = next(chunks)
    chunks.close()
    assert first.startswith(b'{"seq": 1, ')
    assert AuditEvent.objects.count() > 10
