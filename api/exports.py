"""Streaming exports of audit events (CSV and NDJSON) in flat memory.

On PostgreSQL the database writes the export: one ``COPY (SELECT ...) TO STDOUT`` over the
caller's filtered, scoped queryset, read through psycopg's ``cursor.copy()`` a row at a time and
handed on in chunks of about 64 KB (``copy_csv_chunks``, ``copy_ndjson_chunks``). The bytes are
the Python path's (``tests/api/test_export_bytes.py`` compares them): CSV cells pass the same
formula guard (``core/spreadsheets.py``) in SQL, empty text is an empty cell, rows end in CR LF;
NDJSON lines are built in SQL with the same key order and separators, strings escaped by
``to_json`` (exactly as Python's json with ``ensure_ascii=False``), the moment as UTC ``Z`` text
with microseconds only when there are any, and the payload as the database's JSON text, as the
Python path writes it on PostgreSQL. One statement reads one snapshot: the set is fixed when the
export starts.

Elsewhere (SQLite), events are read in keyset batches on ``seq`` (no OFFSET, no long transaction, no server-side
cursor), and each batch becomes one chunk of the response. The set is fixed when the walk
starts (the chain's ``seq`` at that moment); events appended meanwhile are left for the next
pull with ``after_seq``. Because appends serialise on the chain head, every seq up to that bound
is committed, so a walk never skips an event that commits later.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Generator, Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Max, QuerySet, TextField
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


# --- PostgreSQL: the database writes the export ------------------------------------------------

COPY_CHUNK = 64 * 1024


def copy_exports() -> bool:
    """Whether exports are written by the database (PostgreSQL's ``COPY``)."""
    return connection.vendor == "postgresql"


def _copy_source(events: QuerySet[AuditEvent], newest_first: bool) -> tuple[str, tuple[Any, ...]]:
    """The scoped, filtered events as a subquery ``s`` of the raw columns, and its parameters."""
    inner = events.order_by().values(
        e_seq=F("seq"),
        e_at=F("occurred_at"),
        e_ref=F("application__reference"),
        e_actor=F("actor_name"),
        e_role=F("actor_role"),
        e_action=F("action"),
        e_from=F("from_status"),
        e_to=F("to_status"),
        e_payload=Cast("payload", TextField()),
        e_prev=F("prev_hash"),
        e_hash=F("hash"),
    )
    sql, params = inner.query.sql_with_params()
    order = "DESC" if newest_first else "ASC"
    return f"FROM ({sql}) s ORDER BY s.e_seq {order}", tuple(params)


# ``utc_text`` in SQL: UTC, ``T``, ``Z``; six digits of microseconds only when there are any.
# ``to_char`` writes all six digits, and a fraction of zeros is then dropped. (Padding
# PostgreSQL's own ISO text back to six digits needs that text twice per row: slower.)
_SQL_MOMENT = (
    """replace(to_char(s.e_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), """
    "'.000000Z', 'Z')"
)


def _sql_json_text(column: str) -> str:
    """``_text`` in SQL: a JSON string (escaped as Python's json does), or null."""
    return f"coalesce(to_json({column})::text, 'null')"


def _sql_safe_cell(column: str) -> str:
    """``safe_cell`` in SQL, and empty text as NULL (an empty cell, as Python's csv writes it;
    PostgreSQL's would write ``""``). Every character a formula starts with sorts before "A",
    so one byte-wise comparison clears almost every cell (names, codes, references, JSON);
    only the rest are looked at closely: ``strpos`` of the first character (``left('', 1)``
    is found at 1, hence the test for empty text before it)."""
    starts = r"E'=+-@''\t\r'"
    return (
        f"""CASE WHEN {column} COLLATE "C" >= 'A' THEN {column} """
        f"WHEN {column} = '' THEN NULL "
        f"WHEN strpos({starts}, left({column}, 1)) > 0 THEN '''' || {column} "
        f"ELSE {column} END"
    )


def _ndjson_sql(source: str) -> str:
    line = " || ".join(
        (
            """'{"seq": ' || s.e_seq""",
            """', "occurred_at": "' || """ + _SQL_MOMENT,
            """'", "application": ' || """ + _sql_json_text("s.e_ref"),
            """', "actor": ' || """ + _sql_json_text("s.e_actor"),
            """', "actor_role": ' || """ + _sql_json_text("s.e_role"),
            """', "action": ' || """ + _sql_json_text("s.e_action"),
            """', "from_status": ' || """ + _sql_json_text("s.e_from"),
            """', "to_status": ' || """ + _sql_json_text("s.e_to"),
            """', "payload": ' || s.e_payload""",
            """', "prev_hash": "' || s.e_prev""",
            """'", "hash": "' || s.e_hash || '"}'""",
        )
    )
    # One text column in CSV format, with a quote and a delimiter that JSON text never holds
    # raw (it always escapes control characters): each line comes out exactly as built.
    return (
        f"COPY (SELECT {line} {source}) TO STDOUT "
        r"WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')"
    )


def _csv_sql(source: str) -> str:
    text_columns = ("e_ref", "e_actor", "e_role", "e_action", "e_from", "e_to", "e_payload")
    cells = ", ".join(
        (
            "s.e_seq",
            _SQL_MOMENT,
            *(_sql_safe_cell(f"s.{column}") for column in text_columns),
            "s.e_prev",
            "s.e_hash",
        )
    )
    return f"COPY (SELECT {cells} {source}) TO STDOUT WITH (FORMAT csv)"


def _copy_rows(
    statement: Callable[[str], str], events: QuerySet[AuditEvent], newest_first: bool
) -> Iterator[memoryview]:
    """The rows ``COPY … TO STDOUT`` writes for ``statement`` of the events, one at a time
    (libpq hands over whole rows); none where the filters leave nothing to ask the database
    (the ORM's empty answer, e.g. a programme code that names none: ``api.base.KeyFilter``)."""
    try:
        source, params = _copy_source(events, newest_first)
    except EmptyResultSet:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(statement(source), params) as copy:
        yield from copy


def copy_ndjson_chunks(
    events: QuerySet[AuditEvent], *, newest_first: bool = False
) -> Generator[bytes, None, None]:
    """The NDJSON export written by PostgreSQL (the bytes of ``ndjson_chunks``)."""
    buffer = bytearray()
    for row in _copy_rows(_ndjson_sql, events, newest_first):
        buffer += row
        if len(buffer) >= COPY_CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def copy_csv_chunks(
    events: QuerySet[AuditEvent], *, newest_first: bool = False
) -> Generator[bytes, None, None]:
    """The CSV export written by PostgreSQL (the bytes of ``csv_chunks``): its CSV writer
    quotes as Python's does; only the line ends differ (LF), so each row's last byte becomes
    CR LF (line breaks inside a cell are inside quotes and stay as they are)."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(EVENT_COLUMNS)
    buffer = bytearray(CSV_BOM + header.getvalue().encode("utf-8"))
    for row in _copy_rows(_csv_sql, events, newest_first):
        buffer += row[:-1]
        buffer += b"\r\n"
        if len(buffer) >= COPY_CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)
