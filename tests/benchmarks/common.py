"""What every benchmark shares: Django set up on the PostgreSQL of ``DATABASE_URL`` with the
production settings module, timing, and figures reported next to a baseline of the same run.

Benchmarks are programs, not tests: ``python -m tests.benchmarks.bench_<name>`` (``make
bench-<name>`` runs one on a throwaway cluster, ``make bench`` runs them all and writes
``bench/results.json`` and ``bench/results.md``)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import secrets
import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# ``Template._render`` as Django defines it, before the test set-up wraps it.
_production_render: Any = None


def setup_django() -> None:
    """Production settings on ``DATABASE_URL`` (PostgreSQL), schema migrated, mail discarded,
    tasks queued in the database as in production (nobody works them off during a run)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("benchmarks run on PostgreSQL: set DATABASE_URL or use make bench-<name>")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ.setdefault("DEBUG", "0")  # production behaviour (no query log, no debug pages)
    os.environ.setdefault("LETTER_LOOPBACK_OK", "1")  # letters on loopback: a trial run
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # plain HTTP on loopback
    os.environ.setdefault("SECURE_COOKIES", "0")
    os.environ.setdefault("TASKS_BACKEND", "database")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SANDBOX_VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def test_client_environment() -> None:
    """What Django's test client needs (``testserver`` allowed, …), once per process, with
    templates rendered as in production: Django's test set-up wraps every template's render to
    record it for ``response.context``, a signal sent for each template and include, which no
    server pays (on the queue page it measured within the noise: docs/performance.md, "The
    benchmarks measured as a server runs"). A benchmark that reads ``response.context`` asks
    for it around that request (``templates_recorded``)."""
    from django.template import Template
    from django.test.utils import setup_test_environment

    global _production_render
    with contextlib.suppress(RuntimeError):  # another benchmark of this run set it up already
        _production_render = Template._render  # type: ignore[attr-defined]
        setup_test_environment()
        Template._render = _production_render  # type: ignore[attr-defined]


@contextmanager
def templates_recorded() -> Iterator[None]:
    """Templates rendered as Django's tests render them (``response.context`` filled), inside
    the block only."""
    from django.template import Template
    from django.test.utils import instrumented_test_render  # type: ignore[attr-defined]

    assert _production_render is not None, "test_client_environment() first"
    Template._render = instrumented_test_render  # type: ignore[attr-defined]
    try:
        yield
    finally:
        Template._render = _production_render  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Figure:
    """One measured figure and, where it has one, the baseline it is judged against."""

    benchmark: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    # The figure an issue asks for, as "<ratio|value> <op> <number>" (e.g. "ratio <= 10",
    # "value >= 300000"); printed beside the figure with whether this run met it.
    goal: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline_value:
            return None
        return self.value / self.baseline_value

    @property
    def goal_met(self) -> bool | None:
        """Whether this run meets ``goal`` (None without a goal, or a ratio without baseline)."""
        if not self.goal:
            return None
        subject, op, number = self.goal.split()
        measured = self.ratio if subject == "ratio" else self.value
        if measured is None:
            return None
        return GOAL_OPERATORS[op](measured, float(number))

    def goal_text(self) -> str:
        if not self.goal:
            return ""
        met = {True: "met", False: "NOT met", None: "not measured"}[self.goal_met]
        return f"goal {self.goal}: {met}"

    def line(self) -> str:
        text = f"{self.benchmark}: {self.name} = {self.value:,.2f} {self.unit}"
        if self.baseline_value is not None:
            text += f"  (baseline {self.baseline_name} = {self.baseline_value:,.2f} {self.unit}"
            text += f"; ratio {self.ratio:.2f})" if self.ratio is not None else ")"
        if self.goal:
            text += f"  [{self.goal_text()}]"
        return text


GOAL_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda measured, bound: measured <= bound,
    ">=": lambda measured, bound: measured >= bound,
}


def report(figures: list[Figure]) -> None:
    for figure in figures:
        print(figure.line(), flush=True)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...``; ``elapsed()`` gives seconds (final after the block)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def median_ms_of(
    fn: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """``fn`` run once to warm caches and plans, then ``runs`` times: the median in ms of
    ``clock`` (wall time; ``time.process_time`` for this process's CPU alone)."""
    fn()
    samples = []
    for _ in range(runs):
        start = clock()
        fn()
        samples.append(clock() - start)
    return median_ms(samples)


def vacuum_analyze(*tables: str) -> dict[str, int]:
    """``VACUUM ANALYZE`` each table so that it is as a database in service has it after
    autovacuum: statistics fresh and every page marked all-visible in the visibility map,
    which index-only scans need (without it the planner reads the heap, or the whole table).
    Returns each table's pages left unmarked (0 when all are marked) and says so when any is.

    A ``CHECKPOINT`` first: the test cluster commits asynchronously (``synchronous_commit=off``),
    and VACUUM leaves a page unmarked while the commit of its rows is not yet flushed to the
    WAL, so a VACUUM run right after a seed's COPY would mark nothing. Even so, a table just
    written can come out of a first checkpoint and pass unmarked (the register's decisions at 1k
    cases did, every time); a second one marks it, so a table left unmarked gets one more."""
    from django.db import connection

    unmarked: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in tables:
            for _pass in range(2):
                cursor.execute("CHECKPOINT")
                cursor.execute(f"VACUUM ANALYZE {table}")
                cursor.execute(
                    "SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass",
                    [table],
                )
                pages, visible = cursor.fetchone()
                unmarked[table] = max(pages - visible, 0)
                if not unmarked[table]:
                    break
            else:
                print(f"VACUUM marked {visible:,} of {pages:,} pages of {table} all-visible")
    return unmarked


def _spin(seconds: float) -> int:
    """Steps of a pure-Python loop (nothing shared, no I/O) done in ``seconds`` of wall time."""
    steps = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(10_000):
            steps += 1
    return steps


def dies_on_sigterm() -> None:
    """A forked pool worker's first step: SIGTERM ends it, as it ends any process, whatever
    handler the parent had installed. ``Pool.terminate`` (its ``with`` block's end) stops its
    workers with SIGTERM; a Python handler inherited from the parent runs instead, and a worker
    it does not end keeps the pool's ``join`` waiting for ever (a ``make bench`` hung so, in the
    transition benchmark, after the load test's handler)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def two_process_scaling(seconds: float = 1.0) -> tuple[float, float]:
    """What the machine gives two busy processes that share nothing, against one: steps per
    second of a pure-Python loop run by one process, then by two at once (their sum). On two
    dedicated cores the second is about twice the first; on shared cores it says how much of
    the second core there is right now, the ceiling of any two-core speed-up measured beside
    it."""
    import multiprocessing

    one = _spin(seconds) / seconds
    with multiprocessing.get_context("fork").Pool(2, initializer=dies_on_sigterm) as pool:
        two = sum(pool.map(_spin, [seconds, seconds])) / seconds
    return one, two


def rss_mib() -> float:
    """This process's resident set size now (Linux /proc), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def machine() -> dict[str, str | int | float]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count() or 0,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def write_results(figures: list[Figure], directory: Path) -> None:
    """``results.json`` (machine + figures) and ``results.md`` (a table with ratios)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = {
        "machine": machine(),
        "figures": [{**asdict(f), "ratio": f.ratio, "goal_met": f.goal_met} for f in figures],
    }
    (directory / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    lines = [
        "| benchmark | figure | value | baseline | baseline value | ratio | goal |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for f in figures:
        base = "" if f.baseline_value is None else f"{f.baseline_value:,.2f} {f.unit}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        lines.append(
            f"| {f.benchmark} | {f.name} | {f.value:,.2f} {f.unit} | {f.baseline_name} "
            f"| {base} | {ratio} | {f.goal_text()} |"
        )
    (directory / "results.md").write_text("\n".join(lines) + "\n")


def emit(figures: list[Figure]) -> None:
    """Print the figures; when ``BENCH_FIGURES_FILE`` is set (``make bench`` running this
    benchmark in a process of its own) also append them there as JSON lines."""
    report(figures)
    path = os.environ.get("BENCH_FIGURES_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for figure in figures:
                out.write(json.dumps(asdict(figure), ensure_ascii=False) + "\n")


def _small_database(database: str, cases: int) -> dict[str, str]:
    """A fresh database ``database`` of this cluster; the environment of a child process that
    seeds ``cases`` cases on it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        cursor.execute(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}",
        "BENCH_SEED_APPS": str(cases),
        "BENCH_SEED_EVENTS": str(cases),
        "BENCH_SEEDED": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def small_database_figures(module: str, database: str, cases: int) -> dict[str, float]:
    """Figures measured on a fresh database of the same cluster holding ``cases`` cases: runs
    ``python -m <module> --small <file>`` in a child process on it (the module seeds it, measures
    and writes its figures as JSON to the file), so "100k vs 1k" compares one machine and run."""
    import sys
    import tempfile

    env = _small_database(database, cases)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "small.json"
        subprocess.run(
            [sys.executable, "-m", module, "--small", str(out)], cwd=ROOT, env=env, check=True
        )
        return dict(json.loads(out.read_text()))


def small_database_process(
    module: str, database: str, cases: int, flag: str = "--serve"
) -> subprocess.Popen[str]:
    """``python -m <module> <flag>`` in a child process on a fresh database of this cluster
    holding ``cases`` cases (the module seeds it), its standard input and output piped as
    text: for measurements taken in turn with this process's own, so that each pair is taken
    a few seconds apart on one machine (its speed moves from one minute to the next)."""
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", module, flag],
        cwd=ROOT,
        env=_small_database(database, cases),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_emitted(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    return [Figure(**json.loads(line)) for line in path.read_text().splitlines() if line]
