"""Benchmark (not a test): the review queue's first page at scale on PostgreSQL.

    make bench-queue                                   # 10k applications, 100k events
    BENCH_APPLICATIONS=100000 BENCH_EVENTS=1000000 make bench-queue

Creates its schema (migrate) in the database named by ``DATABASE_URL`` (``make bench-queue``
starts a throwaway cluster), bulk-loads applications with ``bulk_create`` and audit events with
``COPY`` (plain rows linked by a simple hash chain, not the canonical audit hash: nothing here
verifies the chain), signs an officer in through the real TOTP page, then times the queue page
against the raw SQL of the same rows. Prints the number of queries per page and the ratio
page time / raw SQL time, both measured in this run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings_test")

APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "10000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BATCH = 5000


def _median_ms(fn: Any, runs: int = RUNS) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    if connection.vendor != "postgresql":
        print("bench-queue needs PostgreSQL: run it through `make bench-queue`.", file=sys.stderr)
        return 2
    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from applications.models import Application, AuditChainHead, Organization
    from applications.roles import Role
    from applications.workflow import ApplicationStatus as S
    from reviews.twofactor import current_code
    from tests.builders import build_world
    from tests.factories import OrganizationFactory, make_user
    from tests.reviews.helpers import totp_device

    rng = random.Random(42)
    world = build_world()
    officers = [world.officer, world.other_officer] + [
        make_user(Role.CASE_OFFICER, ministry=world.lead, username=f"bench_officer{i}")
        for i in range(4)
    ]
    orgs: list[Organization] = [world.organization] + [
        OrganizationFactory.create() for _ in range(49)
    ]

    print(f"loading {APPLICATIONS:,} applications and {EVENTS:,} audit events …", flush=True)
    load_start = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    statuses = [
        (S.SUBMITTED, 0.15),
        (S.SUPPLEMENT_REQUESTED, 0.05),
        (S.UNDER_REVIEW, 0.25),
        (S.DELIBERATION, 0.1),
        (S.ACTIVE, 0.2),
        (S.REJECTED, 0.05),
        (S.EXPIRED, 0.1),
        (S.WITHDRAWN, 0.1),
    ]
    names, weights = zip(*statuses, strict=True)
    pending: list[Application] = []
    for i in range(APPLICATIONS):
        status = rng.choices(names, weights)[0]
        submitted = now - dt.timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        in_review = status in (S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION)
        pending.append(
            Application(
                program=world.program,
                track=world.exemption if i % 4 else world.confirmation,
                organization=orgs[i % len(orgs)],
                status=status,
                version=1,
                reference=f"ICT-{2025 + i % 2}-{i:06d}",
                title=f"Service {i} {rng.choice(['robot', 'drone', 'fintech', 'health'])}",
                submitted_at=submitted,
                due_at=submitted + dt.timedelta(days=90) if in_review else None,
                clock_paused_at=now if status in (S.SUPPLEMENT_REQUESTED, S.DELIBERATION) else None,
                assigned_officer=None if status == S.SUBMITTED else rng.choice(officers),
                term_start=(now - dt.timedelta(days=100)).date() if status == S.ACTIVE else None,
                term_end=(now + dt.timedelta(days=rng.randint(1, 700))).date()
                if status == S.ACTIVE
                else None,
            )
        )
        if len(pending) == BATCH:
            Application.objects.bulk_create(pending)
            pending = []
    Application.objects.bulk_create(pending)
    first_id = Application.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    last_id = first_id + APPLICATIONS - 1

    # Events: COPY plain rows; each hash is SHA-256(prev_hash + seq), a chain of sorts only.
    prev = "0" * 64
    seq0 = 1 + (AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = (
            "seq, application_id, occurred_at, actor_name, actor_role, action, "
            "from_status, to_status, payload, prev_hash, hash"
        )
        with raw.copy(f"COPY applications_auditevent ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n in range(EVENTS):
                seq = seq0 + n
                digest = hashlib.sha256(f"{prev}{seq}".encode()).hexdigest()
                app_id = rng.randint(first_id, last_id)
                moment = (now - dt.timedelta(minutes=EVENTS - n)).isoformat()
                buffer.write(
                    f"{seq}\t{app_id}\t{moment}\tbench\tcase_officer\tbench_event\t"
                    f"under_review\tunder_review\t{{}}\t{prev}\t{digest}\n"
                )
                prev = digest
                if n % 50_000 == 49_999:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq0 + EVENTS - 1, "hash": prev})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded in {time.perf_counter() - load_start:.1f} s", flush=True)

    client = Client()
    client.force_login(world.officer)
    response = client.post(
        "/review/2fa/verify/", {"token": current_code(totp_device(world.officer))}
    )
    assert response.status_code == 302, response.status_code

    print(f"\n{'page':<38}{'queries':>8}{'page ms':>10}{'raw ms':>9}{'ratio':>8}{'all-SQL ms':>12}")
    for tab in ("all", "new", "mine", "decision", "active"):
        url = f"/review/?tab={tab}"
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        queries = [q["sql"] for q in ctx.captured_queries]
        main_sql = next(q for q in queries if "applications_application" in q and "LIMIT 25" in q)

        def run_page(url: str = url) -> None:
            client.get(url)

        def run_main(sql: str = main_sql) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        def run_all(sqls: list[str] = queries) -> None:
            with connection.cursor() as cursor:
                for sql in sqls:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        page_ms = _median_ms(run_page)
        raw_ms = _median_ms(run_main)
        all_ms = _median_ms(run_all)
        print(
            f"{url:<38}{len(queries):>8}{page_ms:>10.1f}{raw_ms:>9.2f}"
            f"{page_ms / raw_ms:>8.1f}{all_ms:>12.1f}"
        )
    print("\nslowest queries of /review/?tab=all (median ms, SQL start):")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/review/?tab=all")
    timed = []
    for query in ctx.captured_queries:

        def run_one(sql: str = query["sql"]) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()

        timed.append((_median_ms(run_one, 3), query["sql"]))
    for ms, sql in sorted(timed, reverse=True)[:4]:
        print(f"  {ms:8.2f}  {sql[:110]}")
    print(
        "\npage ms: median time of the whole request through Django (test client);\n"
        "raw ms: median time of the page's own SELECT of its 25 rows, run as raw SQL;\n"
        "ratio = page / raw; all-SQL ms: every query the page ran, replayed as raw SQL."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
