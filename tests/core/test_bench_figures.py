"""The benchmarks' figures judge themselves against the goal an issue names."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.benchmarks.common import Figure, dies_on_sigterm, vacuum_analyze, write_results


def test_a_ratio_goal_is_judged_on_the_ratio_to_the_same_run_baseline() -> None:
    fast = Figure("queue", "page", 12.0, "ms", "raw SQL", 2.0, goal="ratio <= 10")
    slow = Figure("queue", "page", 30.0, "ms", "raw SQL", 2.0, goal="ratio <= 10")
    assert fast.goal_met is True
    assert slow.goal_met is False
    assert "goal ratio <= 10: NOT met" in slow.line()


def test_a_value_goal_is_judged_on_the_value_and_no_goal_judges_nothing() -> None:
    rate = Figure("verify", "walk", 310_000.0, "events/s", goal="value >= 300000")
    assert rate.goal_met is True
    assert Figure("verify", "walk", 299_999.0, "events/s", goal="value >= 300000").goal_met is False
    assert Figure("seed", "seed", 20.0, "s").goal_met is None
    # A ratio goal without a baseline cannot be judged, and says so.
    assert "not measured" in Figure("x", "y", 1.0, "ms", goal="ratio <= 2").line()


def test_the_results_files_carry_each_goal_and_whether_it_was_met(tmp_path) -> None:
    write_results(
        [
            Figure("export", "NDJSON", 400.0, "rows/s", "COPY", 1000.0, goal="ratio >= 0.5"),
            Figure("seed", "seed", 20.0, "s"),
        ],
        tmp_path,
    )
    data = json.loads((tmp_path / "results.json").read_text())
    assert [f["goal_met"] for f in data["figures"]] == [False, None]
    table = (tmp_path / "results.md").read_text().splitlines()
    assert table[2].endswith("| 0.40 | goal ratio >= 0.5: NOT met |")
    assert table[3].endswith("|  |  |")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_benchmarks_vacuum_marks_rows_just_committed_all_visible() -> None:
    """The test cluster commits asynchronously: a plain VACUUM right after the rows' commit
    leaves their pages unmarked (and index-only scans reading the heap); the benchmarks'
    checkpoint-and-vacuum marks them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_vacuum_probe (id integer, note text)")
        try:
            cursor.execute(
                "INSERT INTO bench_vacuum_probe SELECT n, repeat('x', 40) "
                "FROM generate_series(1, 50000) AS n"
            )
            assert vacuum_analyze("bench_vacuum_probe") == {"bench_vacuum_probe": 0}
            cursor.execute(
                "SELECT relpages FROM pg_class WHERE oid = 'bench_vacuum_probe'::regclass"
            )
            assert cursor.fetchone()[0] > 100  # the pages it marked are there
        finally:
            cursor.execute("DROP TABLE bench_vacuum_probe")


def _wait_for_a_start_that_never_comes(_: int) -> None:
    time.sleep(600)


def test_a_benchmarks_pool_ends_although_the_parent_handles_sigterm() -> None:
    """``Pool.terminate`` stops workers still at work with SIGTERM. Forked workers inherit the
    parent's handler (the load test has one while its servers run); one that does not end the
    process kept a whole ``make bench`` waiting for a worker blocked at the transition
    benchmark's start. ``dies_on_sigterm``, the workers' first step, gives them the default."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # ends nothing
    try:
        pool = multiprocessing.get_context("fork").Pool(2, initializer=dies_on_sigterm)
        workers = [process.pid for process in pool._pool]  # type: ignore[attr-defined]
        pool.map_async(_wait_for_a_start_that_never_comes, range(2))
        time.sleep(0.5)  # both at work
        ending = threading.Thread(target=pool.terminate, daemon=True)
        ending.start()
        ending.join(timeout=20)
        alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        for pid in alive:  # the failure's own clean-up: nothing is left behind
            os.kill(pid, signal.SIGKILL)
        assert not ending.is_alive() and not alive
    finally:
        signal.signal(signal.SIGTERM, previous)
