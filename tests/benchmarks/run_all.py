"""``make bench``: seed a large dataset once (100k applications, 1M chained events) on the
throwaway PostgreSQL, run every benchmark in one run, and write ``bench/results.json`` and
``bench/results.md`` (each figure next to its same-run baseline).

The reading benchmarks (queue, export, chain verification) and the load test run on the seeded
database; transitions too (on a programme of their own beside the seed), last. The letter and
deadline benchmarks build their own data and run in processes of their own, each on a fresh
database of the same cluster (the deadline sweep must not find the seed's overdue cases).
``BENCH_ONLY=queue,export`` limits the run to some of them."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from tests.benchmarks.common import (
    ROOT,
    Figure,
    read_emitted,
    report,
    setup_django,
    stopwatch,
    write_results,
)

# The load test before the transitions: these leave their cases' letters and mail queued
# (about 1,500 approvals), which the load test would otherwise work off before its runs
# (``bench_load.work_off_queued_tasks``) or, for letters left pending, its scheduler would
# issue beside the measured requests.
IN_PROCESS = ["verify", "verifier", "queue", "export", "register", "load", "transitions"]
OWN_DATABASE = {"letters": {"LETTERS_N": "500"}, "deadlines": {"BENCH_DEADLINES_N": "100000"}}


def own_database(name: str, extra: dict[str, str], figures_file: Path) -> bool:
    """Run ``bench_<name>`` in a new process on a new database of this cluster."""
    from django.db import connection

    database = f"bench_{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        cursor.execute(f"CREATE DATABASE {database}")
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}"
    env = {**os.environ, "DATABASE_URL": url, "BENCH_FIGURES_FILE": str(figures_file)}
    for key, value in extra.items():
        env.setdefault(key, value)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", f"tests.benchmarks.bench_{name}"], cwd=ROOT, env=env
    )
    return result.returncode == 0


def main() -> int:
    os.environ.setdefault("BENCH_SEED_APPS", "100000")
    os.environ.setdefault("BENCH_SEED_EVENTS", "1000000")
    setup_django()
    from tests.benchmarks import seed

    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    figures: list[Figure] = []
    with stopwatch() as elapsed:
        timings = seed.seed()
    os.environ["BENCH_SEEDED"] = "1"
    figures.append(
        Figure(
            "seed", f"{seed.SEED_APPS:,} applications + {seed.SEED_EVENTS:,} events", elapsed(), "s"
        )
    )
    print(f"seeded in {elapsed():.1f} s ({timings})", flush=True)
    failed = []
    for name in IN_PROCESS:
        if only and name not in only:
            continue
        print(f"\n==> benchmark {name}", flush=True)
        try:
            result = importlib.import_module(f"tests.benchmarks.bench_{name}").run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        report(result)
        figures += result
    for name, extra in OWN_DATABASE.items():
        if only and name not in only:
            continue
        print(f"\n==> benchmark {name} (own process and database)", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            figures_file = Path(tmp) / "figures.jsonl"
            if not own_database(name, extra, figures_file):
                failed.append(name)
            figures += read_emitted(figures_file)
    write_results(figures, ROOT / "bench")
    print(f"\nwrote {ROOT / 'bench' / 'results.json'} and results.md", flush=True)
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
