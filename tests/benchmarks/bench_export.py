"""Benchmark: the audit-event export (``/api/v1/events/?format=ndjson|csv``) on PostgreSQL.

On PostgreSQL both exports are written by the database (``api/exports.py``: ``COPY`` through
psycopg's ``cursor.copy()``), so the figure to beat is ``COPY`` itself. Run on a throwaway cluster: ``make bench-export`` (200k events seeded by
``tests.benchmarks.seed``), or ``BENCH_SEED_EVENTS=1000000 make bench-export``; ``make bench``
runs it on its 1M-event seed. Figures are events per second, each printed
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

import os
import resource
import time
from collections.abc import Callable
from typing import Any

from tests.benchmarks.common import (
    Figure,
    report,
    setup_django,
    test_client_environment,
    vacuum_analyze,
)

os.environ.setdefault("BENCH_SEED_APPS", "20000")
os.environ.setdefault("BENCH_SEED_EVENTS", "200000")
setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from api.auth import ApiTokenThrottle, api_token_issue  # noqa: E402
from applications.models import AuditEvent  # noqa: E402

PLAIN_MAX = int(os.environ.get("BENCH_EXPORT_PLAIN_MAX", "200000"))
ROUNDS = int(os.environ.get("BENCH_EXPORT_ROUNDS", "2"))

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


def run() -> list[Figure]:
    from django.contrib.auth.models import User

    from applications.roles import Role
    from tests.benchmarks import seed
    from tests.factories import make_user

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_EVENTS:,} chained audit events …", flush=True)
        seed.seed()
    test_client_environment()
    ApiTokenThrottle.THROTTLE_RATES = {"api": "1000000/min"}
    auditor = User.objects.filter(username="bench-auditor").first() or make_user(
        Role.AUDITOR, username="bench-auditor"
    )
    vacuum_analyze("applications_auditevent")
    _, token = api_token_issue(username=auditor.username, name="bench")
    total = AuditEvent.objects.count()
    print(f"Export of {total:,} events on PostgreSQL (2 shared cores; figures vary with load)")
    client = Client()
    # A served process is warm: the first request's one-off costs (URLconf, schema, imports)
    # are not the export's.
    warm = client.get("/api/v1/events/", {"limit": 1}, headers={"Authorization": f"Bearer {token}"})
    assert warm.status_code == 200, warm.status_code

    # ROUNDS rounds, each COPY then the two exports, and the best rate of each: on a shared
    # machine a burst of someone else's load then lands on one measurement, not on a ratio.
    copy_rate = ndjson_rate = csv_rate = 0.0
    for _ in range(ROUNDS):
        copy_rate = max(copy_rate, timed("COPY (SELECT …) TO STDOUT, csv", copy_out))
        ndjson_rate = max(
            ndjson_rate,
            timed("GET /api/v1/events/?format=ndjson", lambda: export(client, token, "ndjson")),
        )
        csv_rate = max(
            csv_rate,
            timed("GET /api/v1/events/?format=csv", lambda: export(client, token, "csv")),
        )
    streaming_rss = peak_rss_mb()
    plain_rate = timed(
        f"plain ModelViewSet+ModelSerializer (first {min(PLAIN_MAX, total):,})",
        lambda: plain_modelviewset(auditor),
    )
    figures = []
    # The goals of issue 18: NDJSON >= 0.5x COPY and >= 10x the plain ModelViewSet, CSV >= 0.6x.
    for label, rate, copy_goal in (
        ("NDJSON", ndjson_rate, "ratio >= 0.5"),
        ("CSV", csv_rate, "ratio >= 0.6"),
    ):
        figures.append(
            Figure("export", f"{label} export", rate, "events/s", "COPY", copy_rate, copy_goal)
        )
        figures.append(
            Figure(
                "export",
                f"{label} export",
                rate,
                "events/s",
                "plain ModelViewSet",
                plain_rate,
                "ratio >= 10" if label == "NDJSON" else "",
            )
        )
    figures.append(
        Figure("export", f"peak RSS after streaming {total:,} events", streaming_rss, "MB")
    )
    figures.append(Figure("export", "peak RSS after the plain ModelViewSet", peak_rss_mb(), "MB"))
    return figures


if __name__ == "__main__":
    report(run())
