"""Benchmark: walking the whole audit chain (``audit_verify``, as ``verify_audit_chain`` does)
against reading the same rows raw, on PostgreSQL.

Run on a throwaway cluster: ``make bench-verify`` (200k events seeded by
``tests.benchmarks.seed``), or ``BENCH_SEED_EVENTS=1000000 make bench-verify``; ``make bench``
runs it on its 1M-event seed. The walk runs first so that its peak RSS is its own (the raw read
fetches the whole result into client memory, as a plain cursor does). Issue 18's goal: at least
300,000 events/s over 1M events, in constant memory.
"""

from __future__ import annotations

import contextlib
import os
import resource

from tests.benchmarks.common import Figure, report, setup_django, stopwatch, vacuum_analyze

os.environ.setdefault("BENCH_SEED_APPS", "20000")
os.environ.setdefault("BENCH_SEED_EVENTS", "200000")
setup_django()

from django.db import connection  # noqa: E402

from applications import audit  # noqa: E402
from applications.audit import (  # noqa: E402
    GENESIS_HASH,
    _walk,
    _walk_postgresql,
    audit_verify,
    chain_head,
    row_hash,
)

PYTHON_SAMPLE = int(os.environ.get("BENCH_VERIFY_PYTHON_SAMPLE", "100000"))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds() -> float | None:
    """CPU time of the whole PostgreSQL server so far: the postmaster, its live processes and
    the ones it has reaped (from /proc, where it shows; None elsewhere). A walk's CPU on the
    server is more than its connection's backend: the second process's backend, and the
    parallel workers a plan may start (each range's COPY had two before the fourth round).
    The server's background processes (checkpointer, autovacuum) are in it too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()

    try:
        postmaster = int(fields(backend)[1])
        own = fields(postmaster)
        total = sum(int(value) for value in own[11:15])  # utime, stime, cutime, cstime
        with open(f"/proc/{postmaster}/task/{postmaster}/children") as children:
            for child in children.read().split():
                with contextlib.suppress(OSError):  # ended meanwhile: counted as reaped
                    total += sum(int(value) for value in fields(int(child))[11:13])
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def run() -> list[Figure]:
    from tests.benchmarks import seed

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_EVENTS:,} chained audit events …", flush=True)
        seed.seed()
    vacuum_analyze("applications_auditevent")
    cache = audit.VERIFY_PAYLOAD_CACHE
    audit.VERIFY_SPLIT = audit.split_verification_suits_this_machine()  # as verify_audit_chain
    before_rss = peak_rss_mb()
    # CPU per event: of the walking processes (this one and its second), and of the server.
    cpu_before = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    server_before = server_cpu_seconds()
    with stopwatch() as walk:
        chain = audit_verify()
    assert chain.ok, chain.problem
    server_after = server_cpu_seconds()
    walk_cpu = (
        cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    )
    server_cpu = (
        server_after - server_before
        if server_before is not None and server_after is not None
        else None
    )
    walk_rss = peak_rss_mb()
    worker_rss = peak_rss_mb(resource.RUSAGE_CHILDREN)  # the second process of the walk
    # Every payload's canonical text computed afresh, as on a trail whose payloads never repeat
    # (the seed's do: a step number and one note).
    audit.VERIFY_PAYLOAD_CACHE = 0
    try:
        with stopwatch() as uncached:
            assert audit_verify().ok
    finally:
        audit.VERIFY_PAYLOAD_CACHE = cache
    # The other choice of one process or two (verify_audit_chain's choice is measured above).
    split = audit.VERIFY_SPLIT
    audit.VERIFY_SPLIT = not split
    try:
        with stopwatch() as other:
            assert audit_verify().ok
    finally:
        audit.VERIFY_SPLIT = split
    shape = "two processes" if split else "one process"
    other_shape = "one process" if split else "two processes"
    # The previous route: the database recomputes every hash (canonical JSON written in SQL).
    head_seq, _ = chain_head()
    with stopwatch() as sql_walk:
        for _step in _walk_postgresql(0, head_seq, GENESIS_HASH):
            pass
    with stopwatch() as raw, connection.cursor() as cursor:
        cursor.execute("SELECT seq, payload, hash FROM applications_auditevent ORDER BY seq")
        while cursor.fetchmany(5000):
            pass
    events = chain.events_checked
    rate, raw_rate, sql_rate = events / walk(), events / raw(), events / sql_walk()
    # The walk SQLite keeps (every event hashed in Python), on the first events: what the
    # PostgreSQL walk replaced.
    sample = min(events, PYTHON_SAMPLE)
    with stopwatch() as python_walk:
        prev = GENESIS_HASH
        for row in _walk(0, sample):
            assert row_hash(prev, row) == row[10]
            prev = row[10]
    python_rate = sample / python_walk()
    print(
        f"  chain walk {events:,} events {walk():.2f} s; raw read {raw():.2f} s; "
        f"hashed in SQL {sql_walk():.2f} s; peak RSS {before_rss:.0f} MB before the walk, "
        f"{walk_rss:.0f} MB after, {worker_rss:.0f} MB in its second process; CPU "
        f"{walk_cpu:.2f} s in the walking processes, "
        + (
            f"{server_cpu:.2f} s in PostgreSQL"
            if server_cpu is not None
            else "PostgreSQL's unknown"
        ),
        flush=True,
    )
    return [
        Figure(
            "verify",
            f"chain walk over {events:,} events ({shape})",
            rate,
            "events/s",
            "reading the rows raw",
            raw_rate,
            goal="value >= 300000",
        ),
        Figure(
            "verify",
            f"chain walk over {events:,} events ({shape})",
            rate,
            "events/s",
            f"the same walk on {other_shape}",
            events / other(),
        ),
        Figure(
            "verify",
            f"chain walk over {events:,} events",
            rate,
            "events/s",
            "every hash recomputed in SQL (the previous route)",
            sql_rate,
        ),
        Figure(
            "verify",
            f"chain walk over {events:,} events",
            rate,
            "events/s",
            f"the Python walk (first {sample:,} events)",
            python_rate,
        ),
        Figure(
            "verify",
            f"chain walk over {events:,} events, no payload text met before",
            events / uncached(),
            "events/s",
            "reading the rows raw",
            raw_rate,
        ),
        Figure(
            "verify",
            f"CPU per event of the walking processes ({shape})",
            walk_cpu / events * 1e6,
            "µs",
        ),
        *(
            [
                Figure(
                    "verify",
                    f"CPU per event of PostgreSQL, all its processes ({shape})",
                    server_cpu / events * 1e6,
                    "µs",
                ),
                # On 2 cores the walk cannot beat 2 s of CPU per second: 2 / this is its
                # ceiling on an idle machine.
                Figure(
                    "verify",
                    f"CPU per event, walking processes and PostgreSQL ({shape})",
                    (walk_cpu + server_cpu) / events * 1e6,
                    "µs",
                ),
            ]
            if server_cpu is not None
            else []
        ),
        Figure("verify", "peak RSS before the walk", before_rss, "MB"),
        Figure("verify", "peak RSS after the walk", walk_rss, "MB"),
        Figure("verify", "peak RSS of the walk's second process", worker_rss, "MB"),
    ]


if __name__ == "__main__":
    report(run())
