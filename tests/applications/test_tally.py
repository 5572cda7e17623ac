"""The case tally (``applications.tally``): its sums equal a count of the cases after every kind
of write (services, a bulk update, bulk creation, raw SQL, deletion), after compaction and
after a recount; compaction leaves one row per combination; concurrent transitions on
PostgreSQL neither wait for each other on the tally nor lose a change to a compaction run
meanwhile."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q, Sum

from applications import services, tally
from applications.models import Application, CaseTally
from applications.workflow import ApplicationStatus as S
from tests.builders import World, draft, drive


def counted() -> Counter[tuple[int, str, int | None]]:
    """What the cases hold, counted directly."""
    return Counter(
        {
            (row["program_id"], row["status"], row["assigned_officer_id"]): row["n"]
            for row in Application.objects.order_by()
            .values("program_id", "status", "assigned_officer_id")
            .annotate(n=Count("pk"))
        }
    )


def tallied() -> Counter[tuple[int, str, int | None]]:
    """What the tally's rows add up to, without the combinations that add up to nothing."""
    sums = (
        CaseTally.objects.order_by()
        .values("program_id", "status", "officer_id")
        .annotate(n=Sum("n"))
    )
    return Counter(
        {(r["program_id"], r["status"], r["officer_id"]): r["n"] for r in sums if r["n"]}
    )


def total(condition: Q, **kwargs: Any) -> int:
    """``tally.total`` run on its own (on any one row: the people's)."""
    return int(User.objects.values_list(tally.total(condition, **kwargs), flat=True)[0])


def test_every_kind_of_write_is_tallied(world: World):
    assert tallied() == counted()
    submitted = drive(world, S.SUBMITTED)
    under_review = drive(world, S.UNDER_REVIEW)
    drive(world, S.ACTIVE)
    assert tallied() == counted() != Counter()

    services.application_assign(application=submitted, officer=world.officer, by=world.officer)
    assert tallied() == counted()
    # Around the services: a bulk update of the officer, raw SQL, bulk creation, deletion.
    Application.objects.filter(pk=under_review.pk).update(assigned_officer=world.other_officer)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Application._meta.db_table} SET status = %s WHERE id = %s",
            [S.DELIBERATION, under_review.pk],
        )
    assert tallied() == counted()
    # Cases without a history (nothing protects them from deletion), created in bulk.
    original = draft(world)
    copies = []
    for _ in range(3):
        copy = Application.objects.get(pk=original.pk)
        copy.pk = None
        copies.append(copy)
    copies = Application.objects.bulk_create(copies)
    assert tallied() == counted()
    Application.objects.filter(pk__in=[c.pk for c in copies[:2]]).delete()
    assert tallied() == counted()
    # A save that changes none of the three adds no row.
    rows = CaseTally.objects.count()
    original.title = "Renamed"
    original.save()
    assert CaseTally.objects.count() == rows


def test_compaction_folds_each_combination_into_one_row(world: World):
    for status in (S.SUBMITTED, S.UNDER_REVIEW, S.SUBMITTED):
        drive(world, status)
    before = tallied()
    combinations = len(before)
    assert CaseTally.objects.count() > combinations
    tally.compact()
    assert tallied() == before == counted()
    assert CaseTally.objects.count() == combinations
    assert not CaseTally.objects.filter(n=0).exists()
    tally.compact()  # nothing to fold: nothing changes
    assert CaseTally.objects.count() == combinations


def test_a_recount_puts_right_a_tally_gone_wrong(world: World):
    drive(world, S.SUBMITTED)
    CaseTally.objects.create(program_id=world.program.pk, status=S.ACTIVE, officer_id=None, n=5)
    assert tallied() != counted()
    with connection.cursor() as cursor:
        tally.recount(cursor)
    assert tallied() == counted()


def test_migrate_installs_missing_triggers_and_recounts(world: World):
    """What Django's SQLite table remake does to triggers (drops them), undone by ``migrate``."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER {tally.TALLY}_{name}")
        else:
            for name in ("insert_delete", "update"):
                cursor.execute(f"DROP TRIGGER {tally.TALLY}_{name} ON {tally.CASES}")
    drive(world, S.SUBMITTED)
    assert tallied() != counted()
    call_command("migrate", verbosity=0)
    assert tallied() == counted()
    drive(world, S.UNDER_REVIEW)
    assert tallied() == counted()


def _migrate(target: tuple[str, str] | None) -> None:
    """To ``target``, or (None) to the latest state of every app again."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_to_the_latest_state() -> Iterator[None]:
    yield
    _migrate(None)


@pytest.mark.django_db(transaction=True)
def test_the_tally_migration_undone_leaves_no_trigger_and_done_again_counts_every_case(
    world: World, back_to_the_latest_state: None
):
    drive(world, S.SUBMITTED)
    _migrate(("applications", "0025_event_actor_and_moment_indexes"))
    with connection.cursor() as cursor:
        assert tally.TALLY not in connection.introspection.table_names(cursor)
        # A trigger left behind would name the missing table and fail this.
        cursor.execute(f"UPDATE {tally.CASES} SET status = %s", [S.UNDER_REVIEW])
    _migrate(None)
    assert tallied() == counted()
    assert counted()[(world.program.pk, S.UNDER_REVIEW, None)] == Application.objects.count()
    drive(world, S.SUBMITTED)
    assert tallied() == counted()


def test_total_counts_a_programme_status_and_officer(world: World):
    mine = drive(world, S.SUBMITTED)
    services.application_assign(application=mine, officer=world.officer, by=world.officer)
    drive(world, S.SUBMITTED)
    drive(world, S.ACTIVE)
    tally.compact()
    drive(world, S.SUBMITTED)  # a change since the compaction: a row of its own
    program = world.program.pk
    expected_submitted = Application.objects.filter(status=S.SUBMITTED).count()
    assert total(Q(status=S.SUBMITTED)) == expected_submitted == 3
    assert total(Q(status=S.SUBMITTED), programmes=[program]) == expected_submitted
    assert total(Q(status=S.SUBMITTED), programmes=[program + 1000]) == 0
    assert total(Q(status=S.SUBMITTED), officer=world.officer.pk) == 1
    assert total(~Q(status=S.DRAFT), programmes=[program]) == (
        Application.objects.exclude(status=S.DRAFT).count()
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_do_not_wait_on_the_tally_nor_get_lost_to_a_compaction(world: World):
    """One transaction holds a change of a case of some programme and status open; another
    changes a second case of the same programme and status and commits without waiting. A
    compaction run while both are open loses neither."""
    first, second = drive(world, S.SUBMITTED), drive(world, S.SUBMITTED)
    tally.compact()
    held, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                Application.objects.filter(pk=first.pk).update(assigned_officer=world.officer)
                held.set()
                done.wait(timeout=30)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            held.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=hold)
    worker.start()
    assert held.wait(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")  # waiting on the tally would fail here
        try:
            Application.objects.filter(pk=second.pk).update(assigned_officer=world.officer)
            tally.compact()
        finally:
            cursor.execute("RESET lock_timeout")
    done.set()
    worker.join(timeout=30)
    assert not errors
    assert tallied() == counted()
    assert tally_total_for(world.officer.pk) == 2
    tally.compact()
    assert tallied() == counted()


def tally_total_for(officer: int) -> int:
    return sum(n for (_, _, who), n in tallied().items() if who == officer)
