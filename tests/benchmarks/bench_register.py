"""Benchmark (not a test): the public register's first page and the statistics page at 100k
cases, against the same pages at 1k cases and against the raw SQL of their rows.

    make bench-register                  # 100k cases (few events) here, 1k on a second database
    BENCH_ONLY=register make bench       # the same inside the full run, on its 100k seed

The cases come from ``tests.benchmarks.seed`` (COPY); this benchmark adds the decisions the
seed does not write (an approval for every granted case, and the act behind each later status),
then builds the register's entries with ``register_rebuild`` and the statistics snapshot with
``statistics_refresh`` — both timed, since a restore or a first deployment runs them. Then, with
Django's test client through the whole stack:

* the register's first page, a search for part of a Korean word, and a page deep in the keyset
  (the 40th), each against the raw SQL of its 25 rows;
* the statistics page (it reads the snapshot) against the raw SQL of its row; and the snapshot's
  refresh (six aggregate queries) against the same SQL run raw.

The 1k figures come from a child process on a fresh database of the same cluster
(``--small``); the ratio 100k / 1k says how much size matters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks.common import (
    Figure,
    median_ms_of,
    report,
    setup_django,
    small_database_figures,
    test_client_environment,
    vacuum_analyze,
)

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
SMALL = 1000


def add_decisions() -> int:
    """Decisions for the seeded cases that lack them, written with COPY: the approval of every
    granted case and the decision behind each later status."""
    from psycopg.types.json import Jsonb

    from applications.models import Application, Decision, DecisionKind
    from register.rules import REGISTER_STATUS_OF
    from tests.benchmarks.seed import copy_rows, model_defaults

    later = {
        "suspended": DecisionKind.SUSPENSION,
        "continuing": DecisionKind.LAW_AMENDMENT,
        "revoked": DecisionKind.REVOCATION,
        "expired": DecisionKind.EXPIRY,
        "regularized": DecisionKind.REGULARIZATION,
    }
    now = dt.datetime.now(dt.UTC)
    defaults = model_defaults(Decision, now)
    columns = [str(f.column) for f in Decision._meta.concrete_fields if not f.primary_key]
    # Read first: the COPY below holds the connection until it ends.
    cases = list(
        Application.objects.filter(
            status__in=list(REGISTER_STATUS_OF), decisions__isnull=True
        ).values_list("pk", "status", "decided_at", "term_start", "term_end")
    )

    def rows() -> Any:
        for pk, status, decided_at, start, end in cases:
            approval = {
                **defaults,
                "application_id": pk,
                "kind": DecisionKind.APPROVAL,
                "decided_at": decided_at or now,
                "committee_reference": "벤치마크 심의위원회",
                "term_start": start,
                "term_end": end,
                "conditions": ["최고 속도 시속 5km 이하로 운행할 것", "야간에는 운행하지 않을 것"],
                "exempted_provisions": ["도로교통법 제2조 제10호"],
            }
            yield approval
            if status in later:
                yield {
                    **approval,
                    "kind": later[status],
                    "decided_at": (decided_at or now) + dt.timedelta(days=120),
                    "conditions": [],
                    "exempted_provisions": [],
                }

    return copy_rows(
        Decision,
        columns,
        (
            tuple(Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in columns)
            for row in rows()
        ),
    )


def prepare() -> dict[str, float]:
    """Decisions, register entries and the statistics snapshot for the seeded cases (timed)."""
    from register.models import RegisterEntry
    from register.services import register_rebuild, statistics_refresh

    timings: dict[str, float] = {}
    start = time.perf_counter()
    add_decisions()
    timings["decisions_s"] = time.perf_counter() - start
    start = time.perf_counter()
    entries = register_rebuild()
    timings["rebuild_s"] = time.perf_counter() - start
    timings["entries"] = float(RegisterEntry.objects.count() or entries)
    vacuum_analyze("register_registerentry", "applications_decision")
    start = time.perf_counter()
    statistics_refresh()
    timings["statistics_refresh_s"] = time.perf_counter() - start
    return timings


def measure() -> dict[str, float]:
    """Median milliseconds of each page and of the raw SQL of its rows, on this database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from applications.models import Application
    from register import statistics as figures
    from register.models import RegisterEntry
    from register.selectors import RegisterQuery, register_page

    test_client_environment()
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    result: dict[str, float] = {"cases": float(Application.objects.count())}

    def raw(sql: str) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        return run

    deep = ""
    page = register_page(RegisterQuery())
    for _ in range(39):
        if not page.next_cursor:
            break
        deep = page.next_cursor
        page = register_page(RegisterQuery(cursor=deep))
    # A search matching one entry: the number in one seeded title ("실증 서비스 <pk> — …").
    one = RegisterEntry.objects.order_by("application_id")[RegisterEntry.objects.count() // 2]
    pages = {
        "register": "/register/",
        "search": "/register/?q=" + "로봇",
        "rare": f"/register/?q={one.application_id}+서비스",
        "deep": "/register/?cursor=" + deep,
        "statistics": "/statistics/",
    }
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        queries = [q["sql"] for q in captured.captured_queries]
        table = "register_statisticssnapshot" if name == "statistics" else "register_registerentry"
        rows_sql = next(q for q in queries if f'FROM "{table}"' in q and "LIMIT" in q)

        def fetch(url: str = url) -> None:
            client.get(url)

        result[f"{name}_ms"] = median_ms_of(fetch, RUNS)
        result[f"{name}_raw_ms"] = median_ms_of(raw(rows_sql), RUNS)
        result[f"{name}_queries"] = float(len(queries))
    with CaptureQueriesContext(connection) as captured:
        figures.compute()
    aggregates = [q["sql"] for q in captured.captured_queries]
    result["refresh_ms"] = median_ms_of(figures.compute, 3)
    result["refresh_raw_ms"] = median_ms_of(lambda: [raw(sql)() for sql in aggregates], 3)
    return result


def small_database() -> dict[str, float]:
    """The same figures at 1k cases, from a child process on a fresh database."""
    return small_database_figures("tests.benchmarks.bench_register", "bench_register_small", SMALL)


def run() -> list[Figure]:
    os.environ.setdefault("BENCH_SEED_APPS", "100000")
    os.environ.setdefault("BENCH_SEED_EVENTS", "100000")
    setup_django()
    from tests.benchmarks import seed

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_APPS:,} applications …", flush=True)
        seed.seed()
    timings = prepare()
    big = measure()
    print("1k cases on a second database …", flush=True)
    small = small_database()
    n, m = int(big["cases"]), int(small["cases"])
    figures = [
        Figure(
            "register",
            f"register rebuild ({int(timings['entries']):,} entries)",
            timings["entries"] / timings["rebuild_s"],
            "entries/s",
        ),
        Figure(
            "register",
            f"statistics refresh at {n:,} cases",
            big["refresh_ms"],
            "ms",
            "its aggregate SQL run raw",
            big["refresh_raw_ms"],
        ),
    ]
    for name, label in (
        ("register", "register first page"),
        ("search", "register search (part of a Korean word, every entry matches)"),
        ("rare", "register search (two words, one entry matches)"),
        ("deep", "register 40th page (keyset)"),
        ("statistics", "statistics page"),
    ):
        figures += [
            Figure(
                "register",
                f"{label} at {n:,} cases",
                big[f"{name}_ms"],
                "ms",
                f"same page at {m:,} cases",
                small[f"{name}_ms"],
            ),
            Figure(
                "register",
                f"{label} at {n:,} cases",
                big[f"{name}_ms"],
                "ms",
                "raw SQL of its rows",
                big[f"{name}_raw_ms"],
            ),
            Figure("register", f"{label} queries", big[f"{name}_queries"], "queries"),
        ]
    return figures


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--small":
        setup_django()
        from tests.benchmarks import seed

        seed.seed(apps=SMALL, events=SMALL)
        prepare()
        Path(sys.argv[2]).write_text(json.dumps(measure()))
        return
    report(run())


if __name__ == "__main__":
    main()
