"""The benchmarks' figures judge themselves against the goal an issue names."""

from __future__ import annotations

import json

import pytest

from tests.benchmarks.common import Figure, vacuum_analyze, write_results


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
