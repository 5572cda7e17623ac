"""Benchmark the deadline sweep on PostgreSQL: N due items, items/s, and the second run.

    make bench-deadlines                         # 10,000 due items on a throwaway cluster
    BENCH_DEADLINES_N=100000 make bench-deadlines

Cases are bulk-inserted straight into the state each rule acts on (deemed confirmations, supplement
lapses, expiries, expiry reminders), so building them takes seconds, not hours. The baseline, in
the same run, is the services called directly on a sample of items (no selection, no locking,
no re-check; one item at a time); the sweep's figure is given as a ratio to it. A sweep of this
size works set-based (``deadlines.SET_BASED_FROM``): chunks of one rule locked, re-checked and
written together, one audit event per item (docs/deadlines.md, "Large sweeps"). The second sweep must find nothing
to do: its time is the cost of asking "is anything due?". Emails are queued for the task
workers as in production (``TASKS_BACKEND=database``); ``BENCH_DEADLINES_TASKS=immediate`` renders
and sends them inside the sweep instead.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from typing import Any

from tests.benchmarks.common import Figure, emit
from tests.benchmarks.common import setup_django as production_settings

SECOND_SWEEPS = 5


def setup_django() -> None:
    """The benchmarks' production settings (``common.setup_django``: DEBUG off, as the cron job
    runs), with the applicants' emails kept in memory to be counted."""
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    # As in production: emails are queued for the db_worker processes, not sent by the sweep.
    os.environ["TASKS_BACKEND"] = os.environ.get("BENCH_DEADLINES_TASKS", "database")
    production_settings()


def insert_finished_cases(cases: list[Any]) -> None:
    """Load cases already in their status, as a bulk loader does (COPY would too): the
    queryset's guard against creating non-drafts is for the application, not for seeding."""
    from django.db import models

    from applications.models import Application

    models.QuerySet.bulk_create(Application.objects.all(), cases, batch_size=2000)


def build(n: int, baseline: int) -> dict[str, Any]:
    """``n`` due items for the sweep, and ``baseline`` more for the direct service calls."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from applications.models import Application, SupplementRequest
    from applications.workflow import ApplicationStatus as S
    from tests.builders import build_world

    world = build_world()
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    now = timezone.now()
    today = world.program.local_date(now)
    common = {"program": world.program, "organization": world.organization, "summary": "bench"}

    def confirmation(i: int) -> Application:
        return Application(
            track=world.confirmation,
            status=S.SUBMITTED,
            reference=f"BENCH-C-{i:06d}",
            title=f"confirmation {i}",
            submitted_at=now - dt.timedelta(days=31),
            due_at=now - dt.timedelta(days=1),
            language="ko" if i % 2 else "en",
            **common,
        )

    def lapse(i: int) -> Application:
        return Application(
            track=world.exemption,
            status=S.SUPPLEMENT_REQUESTED,
            reference=f"BENCH-L-{i:06d}",
            title=f"lapse {i}",
            submitted_at=now - dt.timedelta(days=40),
            due_at=now + dt.timedelta(days=50),
            clock_paused_at=now - dt.timedelta(days=31),
            supplement_due_at=now - dt.timedelta(hours=1),
            **common,
        )

    def in_force(i: int, days_left: int, prefix: str) -> Application:
        return Application(
            track=world.exemption,
            status=S.ACTIVE,
            reference=f"BENCH-{prefix}-{i:06d}",
            title=f"waiver {i}",
            term_start=today - dt.timedelta(days=700),
            term_end=today + dt.timedelta(days=days_left),
            **common,
        )

    makers = [
        ("deemed_confirmation", 0.4, confirmation),
        ("supplement_lapse", 0.2, lapse),
        ("expiry", 0.3, lambda i: in_force(i, -1, "E")),
        ("expiry_reminder", 0.1, lambda i: in_force(i, 20, "R")),
    ]
    batch: list[Application] = []
    for _rule, share, make in makers:
        batch.extend(make(i) for i in range(int(n * share)))
    insert_finished_cases(batch)
    officer = User.objects.get(username="officer")

    def add_supplement_requests() -> None:
        SupplementRequest.objects.bulk_create(
            [
                SupplementRequest(
                    application_id=pk,
                    requested_by=officer,
                    requested_at=now - dt.timedelta(days=31),
                    deficiencies=["report"],
                    due_at=now - dt.timedelta(hours=1),
                )
                for pk in Application.objects.filter(
                    status=S.SUPPLEMENT_REQUESTED, supplement_requests__isnull=True
                ).values_list("pk", flat=True)
            ],
            batch_size=2000,
        )

    add_supplement_requests()

    def make_sample(count: int, offset: int) -> dict[str, list[str]]:
        """``count`` more due items in the same mix, numbered from ``offset``, by rule."""
        sample: dict[str, list[Application]] = {}
        for rule, share, make in makers:
            sample[rule] = [make(offset + i) for i in range(max(1, int(count * share)))]
            insert_finished_cases(sample[rule])
        add_supplement_requests()
        return {rule: [a.reference or "" for a in apps] for rule, apps in sample.items()}

    return {"sweep_items": len(batch), "make_sample": make_sample}


def run_baseline(sample: dict[str, list[str]]) -> tuple[int, float]:
    """Each rule's service called directly on the sample: one transaction each, no selection,
    no case lock, no re-check. Returns (items, seconds)."""
    from django.utils import timezone

    from applications import deadlines
    from applications.models import Application

    now = timezone.now()
    work = [
        (deadlines.RULE_BY_NAME[rule], app)
        for rule, references in sample.items()
        for app in Application.objects.filter(reference__in=references).select_related(
            "program", "track"
        )
    ]
    started = time.monotonic()
    for rule, app in work:
        rule.act(app, now, "baseline")
    return len(work), time.monotonic() - started


def main() -> int:
    n = int(os.environ.get("BENCH_DEADLINES_N", "10000"))
    baseline_n = int(os.environ.get("BENCH_DEADLINES_BASELINE", str(max(50, min(500, n // 20)))))
    setup_django()
    from django.core import mail
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from applications import deadlines
    from applications.audit import audit_verify
    from applications.models import AuditEvent

    if connection.vendor != "postgresql":
        print("bench-deadlines needs PostgreSQL (run it through `make bench-deadlines`).")
        return 2
    print(f"Building {n} due items (+{baseline_n} for the baseline) …", flush=True)
    started = time.monotonic()
    built = build(n, baseline_n)
    print(f"  built in {time.monotonic() - started:.1f} s", flush=True)

    # The baseline is measured in two halves, before and after the sweeps, so that a change in
    # the machine's load during a long run shows instead of skewing the ratio.
    half = max(1, baseline_n // 2)
    before = run_baseline(built["make_sample"](half, 1_000_000))
    mail.outbox = []  # type: ignore[attr-defined]
    DBTaskResult.objects.all().delete()

    events_before = AuditEvent.objects.count()
    first = deadlines.sweep()
    first_rate = first.total / first.seconds
    events = AuditEvent.objects.count() - events_before
    # The second sweep finds nothing due: what the scheduler pays every few minutes. Taken five
    # times (the figure is their median: one sample on a shared machine is mostly noise), and
    # once more with the selectors' SQL compiled afresh, as a new process's first sweep does.
    seconds = [deadlines.sweep() for _ in range(SECOND_SWEEPS)]
    second_ms = sorted(s.seconds * 1000 for s in seconds)
    second_median = statistics.median(second_ms)
    deadlines._compiled.clear()
    fresh = deadlines.sweep()
    select_started = time.monotonic()
    due_now = sum(len(deadlines.due_ids(rule, now=first.started_at)) for rule in deadlines.RULES)
    select_seconds = time.monotonic() - select_started
    emails_sent, tasks_queued = len(getattr(mail, "outbox", [])), DBTaskResult.objects.count()
    emails_due = DBTaskResult.objects.filter(task_path__endswith="send_event_email").count() + sum(
        len(task.args_kwargs["kwargs"].get("event_ids", []))
        for task in DBTaskResult.objects.filter(task_path__endswith="send_event_emails")
    )
    after = run_baseline(built["make_sample"](half, 2_000_000))
    baseline_items = before[0] + after[0]
    baseline_rate = baseline_items / (before[1] + after[1])

    print()
    print(f"Deadline sweep on PostgreSQL, {built['sweep_items']} due items")
    print(
        f"  baseline (services called directly, {baseline_items} items): {baseline_rate:8.0f} "
        f"items/s (before the sweeps {before[0] / before[1]:.0f}, after {after[0] / after[1]:.0f})"
    )
    print(
        f"  first sweep: {first.total} actions in {first.seconds:.1f} s = {first_rate:8.0f} items/s"
        f"  ({first_rate / baseline_rate:.2f}x the baseline)"
    )
    print(f"    by rule: {dict(sorted(first.done.items()))}; failed: {len(first.failed)}")
    print(
        f"    of which the vacuum and statistics of the rewritten tables at its end: "
        f"{first.refresh_seconds:.1f} s"
    )
    print(
        f"    audit events written: {events}; emails sent: {emails_sent}; "
        f"tasks queued (emails and letters, one per set-based chunk): {tasks_queued}, "
        f"carrying {emails_due} applicant emails"
    )
    print(
        f"  second sweep: {sum(s.total for s in seconds)} actions; median of {SECOND_SWEEPS} "
        f"{second_median:.1f} ms ({', '.join(f'{ms:.1f}' for ms in second_ms)} ms; "
        f"{second_median / 1000 / first.seconds:.5f}x the first sweep's time); with the SQL "
        f"compiled afresh (a new process): {fresh.total} actions in {fresh.seconds * 1000:.1f} ms"
    )
    print(f"  selecting what is due (all rules, nothing left): {select_seconds * 1000:.0f} ms")
    per_100k, baseline_per_100k = 100_000 / first_rate, 100_000 / baseline_rate
    emit(
        [
            Figure(
                "deadlines",
                f"first sweep, {first.total:,} due items",
                first_rate,
                "items/s",
                "services called directly",
                baseline_rate,
            ),
            Figure(
                "deadlines",
                f"first sweep, seconds for 100k due items (at this run's rate, {first.total:,} "
                "items)",
                per_100k,
                "s",
                "services called directly",
                baseline_per_100k,
                goal="value <= 120",
            ),
            Figure(
                "deadlines",
                f"second sweep (nothing due), median of {SECOND_SWEEPS}",
                second_median,
                "ms",
                "first sweep",
                first.seconds * 1000,
                goal="value <= 50",
            ),
        ]
    )
    chain = audit_verify()
    print(f"  audit chain after the sweeps: {'verifies' if chain.ok else chain.problem}")
    ok = first.total == built["sweep_items"] and not first.failed
    ok = ok and all(s.total == 0 and not s.failed for s in [*seconds, fresh])
    ok = ok and chain.ok
    ok = ok and due_now == 0 and emails_due == first.total  # each of these actions is emailed
    print("OK" if ok else "UNEXPECTED RESULT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
