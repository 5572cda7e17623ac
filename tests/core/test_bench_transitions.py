"""The transitions benchmark serves its clients as the production profile serves requests:
threads of a few worker processes, each client on a connection of its own, taking its next case
from one pile (tests/benchmarks/bench_transitions.py)."""

from __future__ import annotations

import multiprocessing

import pytest

from applications.audit import audit_verify
from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from tests.benchmarks import bench_transitions as bench
from tests.threads import errors_in_threads


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_clients_served_as_threads_of_two_processes_take_every_case_to_approval() -> None:
    cast, context = bench.make_world()
    warm_ups = [bench.make_drafts(cast, context, 1) for _ in range(4)]
    ids = bench.make_drafts(cast, context, 8)

    measured = bench.run_clients(cast, warm_ups, ids, processes=2)

    every = [*ids, *(pk for warm in warm_ups for pk in warm)]
    assert set(Application.objects.filter(pk__in=every).values_list("status", flat=True)) == {
        S.APPROVED
    }
    assert measured.rate > 0 and measured.clients_ms > 0
    assert audit_verify().ok  # four clients on their own connections: nothing forked


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_clients_reading_only_read_every_case_and_change_nothing() -> None:
    """The ceiling's run: four clients in two processes take every case through the steps that
    only read; no case moves, no event is added, and the chain still verifies."""
    cast, context = bench.make_world()
    ids = bench.make_drafts(cast, context, 6)
    events = AuditEvent.objects.count()
    rows = list(Application.objects.filter(pk__in=ids).order_by("pk").values())

    measured = bench.run_clients(cast, [ids[:1]] * 4, ids, processes=2, reads_only=True)

    assert measured.rate > 0 and measured.clients_ms > 0
    assert list(Application.objects.filter(pk__in=ids).order_by("pk").values()) == rows
    assert AuditEvent.objects.count() == events
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_client_that_fails_fails_the_run_instead_of_leaving_it_waiting() -> None:
    """A client whose case is gone raises in its thread; the others, and the benchmark waiting
    at the starting line for every client to be warm, are let go and the run raises."""
    cast, context = bench.make_world()
    warm_ups = [bench.make_drafts(cast, context, 1), [-1]]  # the second client's case is gone

    with pytest.raises(Application.DoesNotExist):
        bench.run_clients(cast, warm_ups, bench.make_drafts(cast, context, 2), processes=1)


def test_clients_taking_from_the_pile_take_every_case_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads taking at once from one pile: between them every case, none twice (no
    database: the pile is a shared counter)."""
    monkeypatch.setattr(bench, "_PILE", multiprocessing.get_context("fork").Value("i", 0))
    ids = list(range(1000, 1500))
    taken: list[list[int]] = [[] for _ in range(4)]

    def take(mine: list[int]) -> None:
        mine.extend(bench.taken(ids))

    assert errors_in_threads(take, [(mine,) for mine in taken]) == []
    assert sorted(pk for mine in taken for pk in mine) == ids
    assert all(mine == sorted(mine) for mine in taken)  # each in the pile's order
