"""Benchmark (not a test): the review queue's first page at scale on PostgreSQL.

    make bench-queue                                   # 10k applications, 100k events
    BENCH_SEED_APPS=100000 BENCH_SEED_EVENTS=1000000 make bench-queue

Seeds the data with ``tests.benchmarks.seed`` (COPY, a valid audit chain) unless ``make bench``
already did, signs a case officer of the seeded ministry in through the real TOTP page, then
times each tab's first page against the raw SQL of the same 25 rows. Prints the number of
queries per page and the ratio page time / raw SQL time, both measured in this run.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from tests.benchmarks.common import Figure, report, setup_django, test_client_environment

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TABS = ("all", "new", "mine", "decision", "active")


def _median_ms(fn: Callable[[], None], runs: int = RUNS) -> float:
    fn()  # warm caches and plans
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> list[Figure]:
    os.environ.setdefault("BENCH_SEED_APPS", "10000")
    os.environ.setdefault("BENCH_SEED_EVENTS", "100000")
    setup_django()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.twofactor import current_code
    from applications.models import Application
    from tests.benchmarks import seed
    from tests.reviews.helpers import totp_device

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_APPS:,} applications and {seed.SEED_EVENTS:,} events …")
        seed.seed()
    test_client_environment()
    officer = User.objects.get(username="bulk-officer-0")
    cases = Application.objects.count()
    client = Client()
    client.force_login(officer)
    response = client.post("/review/2fa/verify/", {"token": current_code(totp_device(officer))})
    assert response.status_code == 302, response.status_code

    figures: list[Figure] = []
    print(f"{cases:,} cases; {'page':<30}{'queries':>8}{'page ms':>10}{'raw ms':>9}{'ratio':>8}")
    for tab in TABS:
        url = f"/review/?tab={tab}"
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        queries = [q["sql"] for q in ctx.captured_queries]
        rows_sql = next(q for q in queries if "applications_application" in q and "LIMIT 25" in q)

        def page(url: str = url) -> None:
            client.get(url)

        def raw(sql: str = rows_sql) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        page_ms, raw_ms = _median_ms(page), _median_ms(raw)
        print(f"{url:<38}{len(queries):>8}{page_ms:>10.1f}{raw_ms:>9.2f}{page_ms / raw_ms:>8.1f}")
        figures.append(
            Figure("queue", f"{tab} tab first page", page_ms, "ms", "raw SQL of its rows", raw_ms)
        )
        figures.append(Figure("queue", f"{tab} tab queries", float(len(queries)), "queries"))
    return figures


if __name__ == "__main__":
    report(run())
