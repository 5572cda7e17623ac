"""Benchmark: the standalone verifier (``api/verifier.py``) on a 100k-event export.

``make bench-verifier`` (its own throwaway cluster, 100k events seeded) or as part of
``make bench`` (the first ``BENCH_VERIFIER_EVENTS`` events of the 1M-event seed, a complete
prefix of the chain). The export is written by the API's own export code (``api.exports``) to
CSV and NDJSON files; the verifier runs on each as an auditor would run it — a separate
``python -I -S`` process, standard library only — and its rate (events per second, process
start and file reading included) is printed against the server's own walk of the same events
(``applications.audit``'s keyset walk and hash, reading from PostgreSQL) in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.common import ROOT, Figure, emit, setup_django, stopwatch

EVENTS = int(os.environ.get("BENCH_VERIFIER_EVENTS", "100000"))
os.environ.setdefault("BENCH_SEED_APPS", "10000")
os.environ.setdefault("BENCH_SEED_EVENTS", str(EVENTS))
setup_django()

from api.exports import csv_chunks, event_batches, ndjson_chunks  # noqa: E402
from applications.audit import GENESIS_HASH, _walk, row_hash  # noqa: E402
from applications.models import AuditEvent  # noqa: E402

VERIFIER = ROOT / "api" / "verifier.py"


def _server_walk(upto: int) -> float:
    """Seconds for the server's own walk (keyset batches, hash each row) of seq 1..upto."""
    with stopwatch() as elapsed:
        prev = GENESIS_HASH
        for row in _walk(0, upto):
            digest = row_hash(prev, row)
            assert digest == row[10], row[0]
            prev = digest
    return elapsed()


def run() -> list[Figure]:
    from tests.benchmarks import seed

    if not os.environ.get("BENCH_SEEDED"):
        print(f"seeding {seed.SEED_EVENTS:,} chained audit events …", flush=True)
        seed.seed()
    upto = min(EVENTS, AuditEvent.objects.count())
    figures = []
    walk_rate = upto / _server_walk(upto)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, chunks in (("csv", csv_chunks), ("ndjson", ndjson_chunks)):
            path = Path(tmp) / f"events.{fmt}"
            with path.open("wb") as handle:
                for chunk in chunks(event_batches(AuditEvent.objects.filter(seq__lte=upto))):
                    handle.write(chunk)
            with stopwatch() as elapsed:
                result = subprocess.run(
                    [sys.executable, "-I", "-S", str(VERIFIER), str(path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
            if result.returncode != 0:
                raise RuntimeError(f"verifier failed on {fmt}: {result.stdout}{result.stderr}")
            size = path.stat().st_size / 2**20
            print(f"{fmt}: {size:.1f} MiB, {result.stdout.splitlines()[0]}", flush=True)
            figures.append(
                Figure(
                    "verifier",
                    f"standalone verifier on a {upto:,}-event {fmt.upper()} export",
                    upto / elapsed(),
                    "events/s",
                    "the server's walk of the same events",
                    walk_rate,
                )
            )
    return figures


if __name__ == "__main__":
    emit(run())
