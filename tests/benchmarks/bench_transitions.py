"""Transition throughput on PostgreSQL with the audit chain: N concurrent clients (processes,
each with its own connection) drive cases submit → accept → recommend → approve through the
services, against one client doing the same in the same run; then the chain must verify and
hold exactly one event per transition (no lost, no forked events).

What is timed is the steady state, as in a server whose workers keep their connections: each
client first takes cases of its own through the same four transitions (``warm_up_cases``: its
connection is opened, its PostgreSQL backend's caches and its process's lazily built state are
warm, psycopg has prepared every statement, which it does on a statement's run after
``DB_PREPARE_THRESHOLD`` runs on the connection, and PostgreSQL is past the plans it makes
afresh for a prepared statement's first runs), then all clients start together and the clock
runs until the last one is done. Both runs, 1 client and N, are measured that way; the warm-up
cases' events are counted in the chain check.

The two runs alternate for a few rounds (1 client and N, each on cases of its own, in turn
first) and the round with the median ratio is reported, every round printed: on shared cores
the machine's speed moves from one minute to the next, and two figures taken a few seconds
apart move alike.

    make bench-transitions        # BENCH_APPS=200 BENCH_CLIENTS=8 BENCH_ROUNDS=5 by default
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.common import (
    Figure,
    dies_on_sigterm,
    report,
    setup_django,
    stopwatch,
    two_process_scaling,
)

APPS = int(os.environ.get("BENCH_APPS", "200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
STEPS = 4  # submit, accept, recommend, approve
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


# PostgreSQL plans a prepared statement afresh for its first five runs (custom plans) before it
# weighs keeping one plan for every run (plancache.c, ``choose_custom_plan``).
CUSTOM_PLANS = 5


def warm_up_cases() -> int:
    """Cases each client takes through the four transitions before the clock starts: enough
    that every statement of a transition is prepared (psycopg prepares one on its run after
    ``prepare_threshold`` runs on the connection) and past PostgreSQL's custom plans, as on a
    server's connection that has run them all day. With one warm-up case, eight clients timing
    25 cases each ran a third of them before that point and one client timing 100 ran a tenth:
    a bias against the eight (docs/performance.md, "Eight clients warmed up as one", issue
    18, twenty-fifth round)."""
    from django.db import connection

    threshold = connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold", 5)
    if threshold is None:  # nothing prepared: the connection and the process warm in one case
        return 1
    return threshold + CUSTOM_PLANS


@dataclass(frozen=True)
class Cast:
    applicant: int
    officer: int
    decider: int


def make_world() -> tuple[Cast, list[Any]]:
    """A programme of its own (unique codes, so it can run beside any seeded data)."""
    from applications.roles import Role
    from tests.factories import (
        MinistryFactory,
        OrganizationFactory,
        ProgramFactory,
        TrackFactory,
        make_user,
    )

    tag = secrets.token_hex(3).upper()
    ministry = MinistryFactory.create(code=f"T{tag}", name=f"벤치부 {tag}", name_en=f"Bench {tag}")
    program = ProgramFactory.create(code=f"B{tag}", lead_ministry=ministry)
    track = TrackFactory.create(program=program, required_document_types=[])
    org = OrganizationFactory.create()
    cast = Cast(
        applicant=make_user(Role.APPLICANT, organization=org, username=f"bench-app-{tag}").pk,
        officer=make_user(Role.CASE_OFFICER, ministry=ministry, username=f"bench-off-{tag}").pk,
        decider=make_user(Role.DECISION_MAKER, ministry=ministry, username=f"bench-dec-{tag}").pk,
    )
    return cast, [org, program, track]


def make_drafts(cast: Cast, context: list[Any], count: int) -> list[int]:
    from django.contrib.auth.models import User

    from applications import services
    from tests.builders import COMPLETE_DRAFT

    org, program, track = context
    applicant = User.objects.get(pk=cast.applicant)
    ids = []
    for _ in range(count):
        app = services.application_create_draft(
            by=applicant, organization=org, program=program, track=track, **COMPLETE_DRAFT
        )
        services.regulation_add(
            application=app, by=applicant, statute="도로교통법", article="제2조", reason="보도 통행"
        )
        ids.append(app.pk)
    return ids


_START: Any = None  # the clients' starting line (a Barrier the pool's processes inherit)


def _set_start(barrier: Any) -> None:
    global _START
    dies_on_sigterm()
    _START = barrier


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def drive(job: tuple[Cast, list[int], list[int]]) -> tuple[int, float]:
    """One client's work: its warm-up cases, then (once every client is warm) every case of its
    share, each through four transitions. Returns the transitions timed and the CPU seconds
    this process spent on them."""
    from django.contrib.auth.models import User
    from django.db import connections

    from applications import services
    from applications.models import Application

    cast, warm_ups, ids = job
    connections.close_all()  # a fresh connection of this process's own
    applicant, officer, decider = (
        User.objects.get(pk=cast.applicant),
        User.objects.get(pk=cast.officer),
        User.objects.get(pk=cast.decider),
    )
    start = dt.date.today() + dt.timedelta(days=30)
    for index, pk in enumerate([*warm_ups, *ids]):
        if index == len(warm_ups):
            _START.wait()
            cpu_at_start = _cpu_seconds()
        app = Application.objects.get(pk=pk)
        services.application_submit(application=app, by=applicant)
        services.application_accept(application=app, by=officer, no_conflict_declared=True)
        services.application_recommend(
            application=app, by=officer, outcome="approve", proposed_term_days=365
        )
        services.application_approve(
            application=app,
            by=decider,
            committee_reference="제1차 심의위원회",
            term_start=start,
            term_end=start + dt.timedelta(days=365),
            conditions=["조건 1"],
        )
    cpu = _cpu_seconds() - cpu_at_start if ids else 0.0
    connections.close_all()
    return len(ids) * STEPS, cpu


def _machine() -> tuple[int, int]:
    """The machine's busy CPU time (clock ticks, every core) and context switches so far, from
    /proc/stat (Linux); zeros elsewhere."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0, 0
    # user, nice, system, idle, iowait, irq, softirq; then steal, the hypervisor's time
    ticks = [int(x) for x in lines[0].split()[1:8]]
    switches = next(int(line.split()[1]) for line in lines if line.startswith("ctxt "))
    return sum(ticks) - ticks[3] - ticks[4], switches


@dataclass(frozen=True)
class Run:
    """One timed run: transitions per second, and per transition the CPU the whole machine
    spent (clients, PostgreSQL, the kernel: every core), the clients' own share of it, and
    the context switches."""

    rate: float
    machine_ms: float
    clients_ms: float
    switches: float

    def text(self) -> str:
        return (
            f"{self.rate:.1f}/s, CPU {self.machine_ms:.1f} ms (clients {self.clients_ms:.1f}), "
            f"{self.switches:.0f} switches per transition"
        )


def run_clients(cast: Cast, warm_ups: list[list[int]], ids: list[int]) -> Run:
    """Transitions per second with one process per list of ``warm_ups`` (its warm-up cases)
    sharing ``ids``, timed from the moment every client is warm, with what they cost the
    machine."""
    from django.db import connections

    clients = len(warm_ups)
    shares = [(cast, warm_ups[i], ids[i::clients]) for i in range(clients)]
    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    start = context.Barrier(clients + 1)
    with context.Pool(clients, initializer=_set_start, initargs=(start,)) as pool:
        result = pool.map_async(drive, shares)
        start.wait()
        busy, switches = _machine()
        with stopwatch() as elapsed:
            outcomes = result.get()
        busy_after, switches_after = _machine()
    done = sum(count for count, _cpu in outcomes)
    assert done == len(ids) * STEPS
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    return Run(
        rate=done / elapsed(),
        machine_ms=(busy_after - busy) * tick_ms / done,
        clients_ms=sum(cpu for _count, cpu in outcomes) * 1000 / done,
        switches=(switches_after - switches) / done,
    )


def check_chain(ids: list[int], added: int) -> None:
    """The chain verifies, ``added`` (the events the runs added) is one per transition, every
    case is approved and no two events share a predecessor."""
    from django.db import connection

    from applications.audit import audit_verify
    from applications.models import Application
    from applications.workflow import ApplicationStatus as S

    report_ = audit_verify()
    assert report_.ok, report_.problem
    assert added == len(ids) * STEPS, (added, len(ids) * STEPS)
    statuses = set(Application.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {S.APPROVED}, statuses
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT prev_hash FROM applications_auditevent "
            "GROUP BY prev_hash HAVING count(*) > 1) AS forks"
        )
        assert cursor.fetchone() == (0,), "the chain forked"
    print(f"chain verified: {report_.events_checked:,} events, {added:,} new, no forks")


def run() -> list[Figure]:
    setup_django()
    from applications.models import AuditEvent

    cast, context = make_world()
    rounds: list[tuple[Run, Run, tuple[float, float]]] = []  # 1 client, N, the machine's scaling
    driven: list[int] = []
    added = 0  # events the runs added (the drafts' own are made between them)
    for number in range(1, ROUNDS + 1):
        warm = make_drafts(cast, context, warm_up_cases() * (1 + CLIENTS))
        warm_ups = [warm[i :: 1 + CLIENTS] for i in range(1 + CLIENTS)]
        serial_ids = make_drafts(cast, context, max(APPS // 2, 20))
        concurrent_ids = make_drafts(cast, context, APPS)
        events_before = AuditEvent.objects.count()
        before = two_process_scaling()
        if number % 2:
            serial = run_clients(cast, warm_ups[:1], serial_ids)
            concurrent = run_clients(cast, warm_ups[1:], concurrent_ids)
        else:  # the other way round, so a drift over the round favours neither
            concurrent = run_clients(cast, warm_ups[1:], concurrent_ids)
            serial = run_clients(cast, warm_ups[:1], serial_ids)
        after = two_process_scaling()
        # the machine around the pair: one process, and two sharing nothing
        scaling = ((before[0] + after[0]) / 2, (before[1] + after[1]) / 2)
        added += AuditEvent.objects.count() - events_before
        rounds.append((serial, concurrent, scaling))
        driven += warm + serial_ids + concurrent_ids
        print(
            f"round {number}: ratio {concurrent.rate / serial.rate:.2f} "
            f"(two processes sharing nothing: {scaling[1] / scaling[0]:.2f})\n"
            f"  1 client:  {serial.text()}\n  {CLIENTS} clients: {concurrent.text()}"
        )
    check_chain(driven, added)
    # The round whose ratio is the median: a pair measured a few seconds apart, so a change
    # in the machine's speed (shared cores) moves both of its figures alike.
    serial, concurrent, (one, two) = sorted(
        rounds, key=lambda measured: measured[1].rate / measured[0].rate
    )[len(rounds) // 2]
    return [
        Figure(
            "transitions",
            f"{CLIENTS} concurrent clients (median of {len(rounds)} rounds)",
            concurrent.rate,
            "transitions/s",
            "1 client, same round",
            serial.rate,
            goal="ratio >= 1.8",
        ),
        Figure(
            "transitions",
            f"CPU per transition, {CLIENTS} clients (same round)",
            concurrent.machine_ms,
            "ms",
            "1 client",
            serial.machine_ms,
        ),
        # The ceiling of the ratio above on this machine at that moment: how much a second
        # process gains when nothing is shared (no database, no lock, no kernel in between).
        Figure(
            "transitions",
            "the machine around that round: two processes sharing nothing (pure Python loop)",
            two / 1e6,
            "M steps/s",
            "one process",
            one / 1e6,
        ),
    ]


if __name__ == "__main__":
    report(run())
