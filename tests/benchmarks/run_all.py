"""``make bench``: seed a large dataset once (100k applications, 1M chained events) on the
throwaway PostgreSQL, run every benchmark against it in one run, and write
``bench/results.json`` and ``bench/results.md`` (each figure next to its same-run baseline).

Each benchmark module exposes ``run() -> list[Figure]``; ``BENCH_ONLY=queue,export`` limits the
run to some of them."""

from __future__ import annotations

import importlib
import os
import traceback

from tests.benchmarks.common import ROOT, Figure, report, setup_django, stopwatch, write_results

BENCHMARKS = ["transitions", "load"]


def main() -> int:
    setup_django()
    from tests.benchmarks import seed

    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    figures: list[Figure] = []
    with stopwatch() as elapsed:
        timings = seed.seed()
    figures.append(
        Figure(
            "seed", f"{seed.SEED_APPS:,} applications + {seed.SEED_EVENTS:,} events", elapsed(), "s"
        )
    )
    print(f"seeded in {elapsed():.1f} s ({timings})", flush=True)
    failed = []
    for name in BENCHMARKS:
        if only and name not in only:
            continue
        print(f"\n==> benchmark {name}", flush=True)
        try:
            module = importlib.import_module(f"tests.benchmarks.bench_{name}")
            result = module.run()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        report(result)
        figures += result
    write_results(figures, ROOT / "bench")
    print(f"\nwrote {ROOT / 'bench' / 'results.json'} and results.md", flush=True)
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
