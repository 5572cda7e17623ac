"""Transition throughput on PostgreSQL with the audit chain: N concurrent clients, each with its
own connection, drive cases submit → accept → recommend → approve through the services, against
one client doing the same in the same run; then the chain must verify and hold exactly one event
per transition (no lost, no forked events).

The N clients are served as the production profile serves N requests at once: threads of its
web worker processes (gunicorn's gthread workers, ``sandbox.prodserver.Profile.web_workers``
processes), client *i* in process *i* mod that number. Each round also runs the N clients as N
processes of their own, the shape measured before the twenty-seventh round, as a second figure
beside the first against the same one client (docs/performance.md, "Eight clients served as the
server serves them", issue 18).

What is timed is the steady state, as in a server whose workers keep their connections: each
client first takes cases of its own through the same four transitions (``warm_up_cases``: its
connection is opened, its PostgreSQL backend's caches and its process's lazily built state are
warm, psycopg has prepared every statement, which it does on a statement's run after
``DB_PREPARE_THRESHOLD`` runs on the connection, and PostgreSQL is past the plans it makes
afresh for a prepared statement's first runs), then all clients start together and the clock
runs until the last one is done. Both runs, 1 client and N, are measured that way; the warm-up
cases' events are counted in the chain check.

The timed cases are one pile (``taken``): a client done with a case takes the next one, as a
server's threads each take the next request, so the clients run out of work within one case of
each other. Until the twenty-ninth round each client had an equal share of its own, and the
clients of a process that had three of them, each with a third of its interpreter, were still
at work when the others were done (docs/performance.md, "Eight clients taking from one pile",
issue 18).

Each round also measures the ceiling of the ratio for work of this shape on this machine: one
client and N served alike doing steps that only read (``drive_reads``: as many round trips a step
as a transition, through the ORM, on no lock, writing nothing). What the transitions lose against
it is what their writes and the chain head cost when N share the cores; what it loses against 2
is the machine's (docs/performance.md, "The ceiling of the ratio on this machine", issue 18).

The runs alternate for a few rounds (1 client and N, each on cases of its own, in turn
first) and the round with the median ratio is reported, every round printed: on shared cores
the machine's speed moves from one minute to the next, and two figures taken a few seconds
apart move alike.

    make bench-transitions        # BENCH_APPS=200 BENCH_CLIENTS=8 BENCH_ROUNDS=5 by default
    BENCH_WORKERS=2 make bench-transitions   # the N clients in 2 processes, not the profile's
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
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
from tests.threads import errors_in_threads

APPS = int(os.environ.get("BENCH_APPS", "200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))


def server_workers() -> int:
    """The processes the N clients are served by: the production profile's web workers."""
    from sandbox.prodserver import Profile

    return int(os.environ.get("BENCH_WORKERS", Profile.web_workers))


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
_PILE: Any = None  # the index of the run's next case to take (a shared counter, inherited too)


def _set_start(barrier: Any, pile: Any) -> None:
    global _START, _PILE
    dies_on_sigterm()
    _START, _PILE = barrier, pile


def taken(ids: list[int]) -> Iterator[int]:
    """The cases of ``ids`` one client drives: each the next one of the pile every client of
    the run takes from, as a server's threads each take whichever request comes next, until
    the pile is empty. So the clients stay busy together to the end, within one case of each
    other, however the machine shares its cores among them."""
    while True:
        with _PILE.get_lock():
            index = _PILE.value
            _PILE.value = index + 1
        if index >= len(ids):
            return
        yield ids[index]


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _preempted() -> int:
    """How many times the kernel has taken the calling thread off its core while it could still
    run (Linux /proc; 0 elsewhere)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/thread-self/status").read_text().splitlines():
            if line.startswith("nonvoluntary_ctxt_switches:"):
                return int(line.split()[1])
    return 0


def drive(cast: Cast, cases: Iterable[int]) -> int:
    """One client's work on its own connection: each case through four transitions. Returns
    the number of cases."""
    from django.contrib.auth.models import User

    from applications import services
    from applications.models import Application

    applicant, officer, decider = (
        User.objects.get(pk=cast.applicant),
        User.objects.get(pk=cast.officer),
        User.objects.get(pk=cast.decider),
    )
    start = dt.date.today() + dt.timedelta(days=30)
    driven = 0
    for pk in cases:
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
        driven += 1
    return driven


READS_A_STEP = 14  # about the statements a transition sends (55 round trips a case of four)


def drive_reads(cast: Cast, cases: Iterable[int]) -> int:
    """The ceiling's work (``Round.reads``): each case through four steps that only read, each a
    transaction of ``READS_A_STEP`` reads through the ORM (the case with its programme, track
    and organisation, its last events, the acting user), on no lock and writing nothing, as
    many round trips as a transition's. Returns the number of cases."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from applications.models import Application, AuditEvent

    cases_read = Application.objects.select_related("program", "track", "organization")
    driven = 0
    for pk in cases:
        for _step in range(STEPS):
            with transaction.atomic():
                for read in range(READS_A_STEP):
                    if read % 3 == 0:
                        cases_read.get(pk=pk)
                    elif read % 3 == 1:
                        list(AuditEvent.objects.filter(application_id=pk).order_by("-seq")[:3])
                    else:
                        User.objects.get(pk=cast.officer)
        driven += 1
    return driven


@dataclass(frozen=True)
class Served:
    """What one worker process's clients did once all were warm: the transitions they ran,
    the CPU seconds the process spent on them, how many times its clients were preempted
    meanwhile and when each client was done (``time.monotonic``)."""

    transitions: int
    cpu: float
    preempted: int
    done_at: list[float]


def serve(job: tuple[Cast, list[list[int]], list[int], bool]) -> Served:
    """One worker process's clients, a thread each (Django gives every thread a connection of
    its own): each warms up on its cases, then, once every client of every process is warm,
    drives cases of ``ids`` taken from the run's pile (``taken``); through the transitions, or
    reading only (``drive_reads``) when the job says so."""
    from django.db import connections

    cast, warm_ups, ids, reads_only = job
    work = drive_reads if reads_only else drive
    connections.close_all()  # nothing of the parent's connection in this process
    cpu_at_start: list[float] = []
    cases: list[int] = []  # each client's, timed
    preempted: list[int] = []  # each client's, while it drove its cases
    done_at: list[float] = []

    def all_warm() -> None:  # run by the last of this process's clients to be warm
        _START.wait()  # every other process's clients are warm too
        cpu_at_start.append(_cpu_seconds())

    warm = threading.Barrier(len(warm_ups), action=all_warm)

    def client(index: int) -> None:
        try:
            work(cast, warm_ups[index])
            warm.wait()
            before = _preempted()
            cases.append(work(cast, taken(ids)))
            done_at.append(time.monotonic())
            preempted.append(_preempted() - before)
        except BaseException:  # the others must not wait for this client at a barrier
            warm.abort()
            _START.abort()
            raise
        finally:
            connections.close_all()

    failures = errors_in_threads(client, [(index,) for index in range(len(warm_ups))])
    if failures:  # one client's failure fails the run: its own, not the barriers it broke
        broken = threading.BrokenBarrierError
        raise next((error for error in failures if not isinstance(error, broken)), failures[0])
    return Served(sum(cases) * STEPS, _cpu_seconds() - cpu_at_start[0], sum(preempted), done_at)


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
    """One timed run of ``clients`` clients: transitions (or reading steps) per second, and per
    transition (step) the CPU the whole machine spent (clients, PostgreSQL, the kernel: every
    core), the clients' own share of it, the context switches and how many of them took a
    client off its core while it could run; and the seconds between the first client's running
    out of cases and the last one's."""

    clients: int
    rate: float
    machine_ms: float
    clients_ms: float
    switches: float
    preempted: float
    spread: float

    def text(self, per: str = "transition") -> str:
        spread = (
            f", the last client done {self.spread:.2f} s after the first"
            if self.clients > 1
            else ""
        )
        return (
            f"{self.rate:.1f}/s, CPU {self.machine_ms:.1f} ms (clients {self.clients_ms:.1f}), "
            f"{self.switches:.0f} switches per {per} ({self.preempted:.1f} preempting a "
            f"client){spread}"
        )


def run_clients(
    cast: Cast,
    warm_ups: list[list[int]],
    ids: list[int],
    processes: int,
    *,
    reads_only: bool = False,
) -> Run:
    """Transitions per second with one client per list of ``warm_ups`` (its warm-up cases)
    taking the cases of ``ids`` from one pile, client *i* a thread of process *i* mod
    ``processes``, timed from the moment every client is warm, with what they cost the
    machine; steps that only read, per second, with ``reads_only`` (``drive_reads``)."""
    from django.db import connections

    clients = len(warm_ups)
    processes = min(processes, clients)
    jobs = [
        (cast, [warm_ups[i] for i in range(p, clients, processes)], ids, reads_only)
        for p in range(processes)
    ]
    connections.close_all()  # children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    pile = context.Value("i", 0)
    with context.Pool(processes, initializer=_set_start, initargs=(start, pile)) as pool:
        result = pool.map_async(serve, jobs)
        try:
            start.wait(timeout=600)
        except threading.BrokenBarrierError:
            result.get(timeout=60)  # a client's own error, if one broke the starting line
            raise
        busy, switches = _machine()
        with stopwatch() as elapsed:
            outcomes = result.get()
        busy_after, switches_after = _machine()
    done = sum(served.transitions for served in outcomes)
    assert done == len(ids) * STEPS
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    done_at = [moment for served in outcomes for moment in served.done_at]
    return Run(
        clients=clients,
        rate=done / elapsed(),
        machine_ms=(busy_after - busy) * tick_ms / done,
        clients_ms=sum(served.cpu for served in outcomes) * 1000 / done,
        switches=(switches_after - switches) / done,
        preempted=sum(served.preempted for served in outcomes) / done,
        spread=max(done_at) - min(done_at),
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


@dataclass(frozen=True)
class Round:
    """One client, N clients served by the server's worker processes, and N clients in N
    processes, measured within a few seconds of each other on cases of their own; and the
    machine around them: one client and N served alike doing work that only reads
    (``drive_reads``), and one process and two sharing nothing (steps/s of a pure-Python
    loop)."""

    serial: Run
    served: Run
    processes: Run
    reads: tuple[Run, Run]  # one client, N served by the worker processes
    scaling: tuple[float, float]

    @property
    def ratio(self) -> float:
        return self.served.rate / self.serial.rate

    @property
    def ratio_in_processes(self) -> float:
        return self.processes.rate / self.serial.rate

    @property
    def ratio_reading(self) -> float:
        serial, served = self.reads
        return served.rate / serial.rate


def measure_round(
    cast: Cast, context: list[Any], number: int, workers: int, read: list[int]
) -> tuple[Round, list[int], int]:
    """The round's five runs, the N clients served by ``workers`` processes in the second and
    the fifth, in an order that turns round each time (so a drift of the machine over a round
    favours none of them); the last two only read the cases of ``read``. Returns the round,
    every case it drove and the events its runs added."""
    from applications.models import AuditEvent

    shapes = {  # the clients, the cases they share, their processes, whether they only read
        "serial": (1, max(APPS // 2, 20), 1, False),
        "served": (CLIENTS, APPS, workers, False),
        "processes": (CLIENTS, APPS, CLIENTS, False),
        "reads serial": (1, max(APPS // 2, 20), 1, True),
        "reads served": (CLIENTS, APPS, workers, True),
    }
    order = list(shapes)
    order = order[number % len(order) :] + order[: number % len(order)]
    if number % 2:
        order.reverse()
    driven: list[int] = []
    runs: dict[str, Run] = {}
    events = 0
    before = two_process_scaling()
    for name in order:
        clients, cases, processes, reads_only = shapes[name]
        if reads_only:  # the same cases each time: nothing changes them
            warm, ids = read[: warm_up_cases() * clients], read[:cases]
        else:
            warm = make_drafts(cast, context, warm_up_cases() * clients)
            ids = make_drafts(cast, context, cases)
        events_before = AuditEvent.objects.count()
        runs[name] = run_clients(
            cast, [warm[i::clients] for i in range(clients)], ids, processes, reads_only=reads_only
        )
        events += AuditEvent.objects.count() - events_before
        if not reads_only:
            driven += warm + ids
    after = two_process_scaling()
    scaling = ((before[0] + after[0]) / 2, (before[1] + after[1]) / 2)
    reads = (runs["reads serial"], runs["reads served"])
    return Round(runs["serial"], runs["served"], runs["processes"], reads, scaling), driven, events


def median_round(rounds: list[Round], ratio: Callable[[Round], float]) -> Round:
    """The round whose ``ratio`` is the median (the upper one of an even number)."""
    return sorted(rounds, key=ratio)[len(rounds) // 2]


def run() -> list[Figure]:
    setup_django()

    cast, context = make_world()
    workers = min(server_workers(), CLIENTS)
    # The reading runs' cases, made once: enough for the N clients' warm-ups and the pile.
    read = make_drafts(cast, context, max(APPS, warm_up_cases() * CLIENTS))
    rounds: list[Round] = []
    driven: list[int] = []
    added = 0  # events the runs added (the drafts' own are made between them)
    for number in range(1, ROUNDS + 1):
        measured, cases, events = measure_round(cast, context, number, workers, read)
        rounds.append(measured)
        driven += cases
        added += events
        one, two = measured.scaling
        print(
            f"round {number}: ratio {measured.ratio:.2f}, in {CLIENTS} processes "
            f"{measured.ratio_in_processes:.2f} (reading only: {measured.ratio_reading:.2f}; "
            f"two processes sharing nothing: {two / one:.2f})\n"
            f"  1 client:  {measured.serial.text()}\n"
            f"  {CLIENTS} clients in {workers} processes: {measured.served.text()}\n"
            f"  {CLIENTS} clients in {CLIENTS} processes: {measured.processes.text()}\n"
            f"  reading only, 1 client: {measured.reads[0].text('step')}\n"
            f"  reading only, {CLIENTS} clients in {workers} processes: "
            f"{measured.reads[1].text('step')}"
        )
    check_chain(driven, added)
    # The round whose ratio is the median: runs measured a few seconds apart, so a change in
    # the machine's speed (shared cores) moves its figures alike.
    median = median_round(rounds, lambda measured: measured.ratio)
    median_in_processes = median_round(rounds, lambda measured: measured.ratio_in_processes)
    median_reading = median_round(rounds, lambda measured: measured.ratio_reading)
    one, two = median.scaling
    return [
        Figure(
            "transitions",
            f"{CLIENTS} concurrent clients, served by {workers} worker processes as in "
            f"production (median of {len(rounds)} rounds)",
            median.served.rate,
            "transitions/s",
            "1 client, same round",
            median.serial.rate,
            goal="ratio >= 1.8",
        ),
        Figure(
            "transitions",
            f"CPU per transition, {CLIENTS} clients in {workers} processes (same round)",
            median.served.machine_ms,
            "ms",
            "1 client",
            median.serial.machine_ms,
        ),
        Figure(
            "transitions",
            f"{CLIENTS} concurrent clients in {CLIENTS} processes of their own (median of the "
            "same rounds by this ratio)",
            median_in_processes.processes.rate,
            "transitions/s",
            "1 client, same round",
            median_in_processes.serial.rate,
        ),
        # The ceiling of the first ratio for work of its shape on this machine: the same
        # clients, processes, connections and round trips, on no lock and writing nothing.
        Figure(
            "transitions",
            f"{CLIENTS} clients in {workers} processes reading only: as many round trips a step, "
            "no lock, no write (median of the same rounds by this ratio)",
            median_reading.reads[1].rate,
            "steps/s",
            "1 client reading only, same round",
            median_reading.reads[0].rate,
        ),
        # The ceiling of the ratios above on this machine at that moment: how much a second
        # process gains when nothing is shared (no database, no lock, no kernel in between).
        Figure(
            "transitions",
            "the machine around the first figure's round: two processes sharing nothing "
            "(pure Python loop)",
            two / 1e6,
            "M steps/s",
            "one process",
            one / 1e6,
        ),
    ]


if __name__ == "__main__":
    report(run())
