"""Streaming exports of audit events (CSV and NDJSON) in flat memory.

Events are read in keyset batches on ``seq`` (no OFFSET, no long transaction, no server-side
cursor), and each batch becomes one chunk of the response. The set is fixed when the walk
starts (the chain's ``seq`` at that moment); events appended meanwhile are left for the next
pull with ``after_seq``. Because appends serialise on the chain head, every seq up to that bound
is committed, so a walk never skips an event that commits later.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Max, QuerySet, TextField
from django.db.models.functions import Cast

from api.serializers import EVENT_COLUMNS, iso_utc
from applications.models import AuditEvent
from core.spreadsheets import safe_row

EXPORT_BATCH = 2000
_COLUMNS = (
    "seq",
    "occurred_at",
    "application__reference",
    "actor_name",
    "actor_role",
    "action",
    "from_status",
    "to_status",
)
CSV_BOM = b"\xef\xbb\xbf"

Row = tuple[Any, ...]
"""An event in ``EVENT_COLUMNS`` order; ``payload`` as JSON text, ``occurred_at`` as ISO UTC."""


def _payload_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def event_batches(
    events: QuerySet[AuditEvent], batch: int = EXPORT_BATCH, *, newest_first: bool = False
) -> Iterator[list[Row]]:
    """Every event of ``events``, oldest (or newest) first, ``batch`` at a time."""
    upper = events.order_by().aggregate(top=Max("seq"))["top"]
    if upper is None:
        return
    base = events.filter(seq__lte=upper).order_by("-seq" if newest_first else "seq")
    # PostgreSQL hands the payload over as JSON text (no decode and re-encode in Python); the
    # SQLite column holds ASCII-escaped text, so there it is decoded and written readable.
    raw_payload = connection.vendor == "postgresql"
    values: Any
    if raw_payload:
        values = base.annotate(payload_text=Cast("payload", TextField())).values_list(
            *_COLUMNS, "payload_text", "prev_hash", "hash"
        )
    else:
        values = base.values_list(*_COLUMNS, "payload", "prev_hash", "hash")
    last = upper + 1 if newest_first else 0
    while True:
        after = {"seq__lt": last} if newest_first else {"seq__gt": last}
        rows = list(values.filter(**after)[:batch])
        if not rows:
            return
        yield [
            (
                row[0],
                iso_utc(row[1]),
                *row[2:8],
                row[8] if raw_payload else _payload_text(row[8]),
                row[9],
                row[10],
            )
            for row in rows
        ]
        last = rows[-1][0]


_quote = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C speed-up, keeps UTF-8


def _text(value: str | None) -> str:
    return "null" if value is None else str(_quote(value))


def ndjson_line(row: Row) -> str:
    """One event as a JSON object on one line, keys in ``EVENT_COLUMNS`` order, written out
    directly (a dict through ``json.dumps`` per row costs twice as much); the payload is
    already JSON text, the hashes and the ISO time need no escaping."""
    return (
        f'{{"seq": {row[0]}, "occurred_at": "{row[1]}", "application": {_text(row[2])}, '
        f'"actor": {_text(row[3])}, "actor_role": {_text(row[4])}, "action": {_text(row[5])}, '
        f'"from_status": {_text(row[6])}, "to_status": {_text(row[7])}, "payload": {row[8]}, '
        f'"prev_hash": "{row[9]}", "hash": "{row[10]}"}}\n'
    )


def ndjson_chunks(batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """One JSON object a line; one chunk per batch."""
    for rows in batches:
        yield "".join(map(ndjson_line, rows)).encode("utf-8")


def csv_chunks(batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """CSV with a UTF-8 byte-order mark (so spreadsheet programs show Korean); one header row,
    the payload as JSON text, an empty cell for events without a case. Text cells that a
    spreadsheet would run as a formula start with an apostrophe (``core/spreadsheets.py``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EVENT_COLUMNS)
    yield CSV_BOM + buffer.getvalue().encode("utf-8")
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(map(safe_row, rows))
        yield buffer.getvalue().encode("utf-8")
