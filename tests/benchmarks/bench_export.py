"""Benchmark: the audit-event export (``/api/v1/events/?format=ndjson|csv``) on PostgreSQL.

Run on a throwaway cluster: ``make bench-export`` (200k events), or
``BENCH_EXPORT_EVENTS=1000000 make bench-export``. Figures are events per second, each printed
as a ratio against two baselines measured in the same run on the same rows:

* ``COPY (SELECT …) TO STDOUT`` of the same columns (the database's own CSV writer, no Python,
  no HTTP): the ceiling;
* a plain DRF ``ModelViewSet`` + ``ModelSerializer`` (unpaginated JSON list — the whole set in
  memory), on the first ``BENCH_EXPORT_PLAIN_MAX`` events (default 200k) so that it fits in
  memory on a shared machine; its rate is per event, so it compares.

The exports go through the whole Django stack (middleware, token auth, throttle, access log)
via the test client, and the streamed body is consumed chunk by chunk. Peak RSS is printed after
each stage (it only ever grows: the streaming stages run first).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings_test")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from applications.api_auth import ApiTokenThrottle, api_token_issue  # noqa: E402
from applications.audit import event_hash  # noqa: E402
from applications.models import Application, AuditChainHead, AuditEvent  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EXPORT_EVENTS", "200000"))
PLAIN_MAX = int(os.environ.get("BENCH_EXPORT_PLAIN_MAX", "200000"))

COPY_SELECT = """
    SELECT e.seq, e.occurred_at, a.reference, e.actor_name, e.actor_role, e.action,
           e.from_status, e.to_status, e.payload, e.prev_hash, e.hash
    FROM applications_auditevent e
    LEFT JOIN applications_application a ON a.id = e.application_id
    ORDER BY e.seq
"""


class PlainEventSerializer(serializers.ModelSerializer[AuditEvent]):
    class Meta:
        model = AuditEvent
        fields = "__all__"


class PlainEventViewSet(viewsets.ModelViewSet[AuditEvent]):
    """The baseline: what DRF gives with no thought for volume."""

    serializer_class = PlainEventSerializer
    pagination_class = None
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return AuditEvent.objects.filter(seq__lte=PLAIN_MAX).order_by("seq")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_events(count: int, application: Application) -> None:
    """Append ``count`` events to the chain with COPY, hashes computed as the app does."""
    at = timezone.now()
    columns = (
        "seq, application_id, occurred_at, actor_name, actor_role, action, "
        "from_status, to_status, payload, prev_hash, hash"
    )
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        prev, seq = head.hash, head.seq
        event = AuditEvent(
            application_id=application.pk,
            occurred_at=at,
            actor_name="system",
            actor_role="system",
            action="bench",
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY applications_auditevent ({columns}) FROM STDIN") as copy:
                for i in range(count):
                    seq += 1
                    event.seq, event.payload = seq, {"i": i, "note": "성능 시험"}
                    digest = event_hash(prev, event)
                    copy.write_row(
                        (
                            seq,
                            application.pk,
                            at,
                            "system",
                            "system",
                            "bench",
                            "",
                            "",
                            json.dumps(event.payload, ensure_ascii=False),
                            prev,
                            digest,
                        )
                    )
                    prev = digest
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])


def timed(label: str, run: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = run()
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(
        f"  {label:<44} {count:>9,} events {seconds:8.2f} s {rate:>12,.0f} ev/s"
        f"   peak RSS {peak_rss_mb():7.0f} MB",
        flush=True,
    )
    return rate


def export(client: Client, token: str, fmt: str) -> int:
    response: Any = client.get(
        "/api/v1/events/", {"format": fmt}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.status_code
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    return lines - (1 if fmt == "csv" else 0)


def copy_out() -> int:
    rows = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({COPY_SELECT}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for block in copy:
            rows += bytes(block).count(b"\n")
    return rows


def plain_modelviewset(user: Any) -> int:
    factory = APIRequestFactory()
    request = factory.get("/plain/events/")
    force_authenticate(request, user=user)
    response = PlainEventViewSet.as_view({"get": "list"})(request)
    response.render()
    return len(response.data)


def main() -> int:
    if connection.vendor != "postgresql":
        print("bench_export needs PostgreSQL: run it through `make bench-export`.")
        return 2
    setup_test_environment()
    call_command("migrate", verbosity=0)
    ApiTokenThrottle.THROTTLE_RATES = {"api": "1000000/min"}

    from tests.builders import build_world, drive

    world = build_world()
    app = drive(world, "approved")
    print(f"Loading {EVENTS:,} audit events (COPY) …", flush=True)
    started = time.perf_counter()
    load_events(EVENTS - AuditEvent.objects.count(), app)
    print(f"  loaded in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE applications_auditevent")
    auditor = world.auditor
    _, token = api_token_issue(username=auditor.username, name="bench")
    total = AuditEvent.objects.count()
    print(f"\nExport of {total:,} events on PostgreSQL (2 shared cores; figures vary with load)")
    client = Client()

    copy_rate = timed("COPY (SELECT …) TO STDOUT, csv", copy_out)
    ndjson_rate = timed(
        "GET /api/v1/events/?format=ndjson", lambda: export(client, token, "ndjson")
    )
    csv_rate = timed("GET /api/v1/events/?format=csv", lambda: export(client, token, "csv"))
    plain_rate = timed(
        f"plain ModelViewSet+ModelSerializer (first {min(PLAIN_MAX, total):,})",
        lambda: plain_modelviewset(auditor),
    )

    print("\nRatios (higher is faster):")
    for label, rate in (("NDJSON", ndjson_rate), ("CSV", csv_rate)):
        print(
            f"  {label:<7} = {rate / copy_rate:5.2f} × COPY   "
            f"= {rate / plain_rate:5.2f} × plain ModelViewSet"
        )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
