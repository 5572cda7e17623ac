"""Fast, honest chain building for API tests and benchmarks: events appended in bulk with the
same hash function ``applications.audit`` uses, and the chain head moved along, so the chain
verifies. Rows go in with one ``executemany`` per batch (the ORM's bulk_create is too slow for
100k rows on a shared machine)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from applications.audit import GENESIS_HASH, chain_hash, event_body, utc_text
from applications.models import Application, AuditChainHead, AuditEvent

COLUMNS = (
    "seq",
    "application_id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "from_status",
    "to_status",
    "payload",
    "prev_hash",
    "hash",
)


def append_bulk(
    count: int, *, application: Application | None = None, batch: int = 5000
) -> tuple[int, int]:
    """Append ``count`` system events; returns the first and last seq written."""
    at = timezone.now().astimezone(dt.UTC)
    payload_field = AuditEvent._meta.get_field("payload")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        AuditEvent._meta.db_table, ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
    )
    stamp = connection.ops.adapt_datetimefield_value(at)
    app_id = application.pk if application is not None else None
    with transaction.atomic(), connection.cursor() as cursor:
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"hash": GENESIS_HASH}
        )
        first, prev, seq = head.seq + 1, head.hash, head.seq
        reference = application.reference if application is not None else None
        rows: list[tuple[Any, ...]] = []
        for i in range(count):
            seq += 1
            payload = {"i": i, "note": "대량 시험"}
            digest = chain_hash(
                prev,
                event_body(
                    seq=seq,
                    occurred_at=utc_text(at),
                    application=reference,
                    actor="system",
                    actor_role="system",
                    action="bulk_test",
                    from_status="",
                    to_status="",
                    payload=payload,
                ),
            )
            rows.append(
                (
                    seq,
                    app_id,
                    stamp,
                    None,
                    "system",
                    "system",
                    "bulk_test",
                    "",
                    "",
                    payload_field.get_db_prep_save(payload, connection),
                    prev,
                    digest,
                )
            )
            prev = digest
            if len(rows) == batch:
                cursor.executemany(sql, rows)
                rows = []
        if rows:
            cursor.executemany(sql, rows)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return first, seq
