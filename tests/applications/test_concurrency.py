"""Concurrent writers on a real PostgreSQL: one case, one winner; reference numbers without gaps;
an audit chain that never forks.

Each worker is a thread with its own database connection (Django connections are per thread),
so these are real concurrent transactions. Where the race must be certain rather than likely,
the main thread holds the case's row lock until every worker is queued behind it (seen in
``pg_stat_activity``), then lets them all go at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone

from applications import services
from applications.audit import audit_record, audit_verify
from applications.models import (
    Application,
    AuditChainHead,
    AuditEvent,
    Decision,
    Organization,
    ReferenceCounter,
)
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from core.errors import StaleVersion, WrongState
from documents.models import Document, Letter
from notifications.models import Notification
from tests.builders import World, drive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT = 60.0


def _in_threads(
    actions: list[Callable[[], Any]], *, ready: Callable[[], None] | None = None
) -> list[Any]:
    """Run each action in its own thread and connection, all released at once by a barrier;
    ``ready`` runs in the main thread once they are under way. Returns each action's result or
    the exception it raised."""
    results: list[Any] = [None] * len(actions)
    barrier = threading.Barrier(len(actions) + 1)

    def worker(index: int, action: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = action()
        except BaseException as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, a), daemon=True) for i, a in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=JOIN_TIMEOUT)
        if ready is not None:
            ready()
    finally:
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    return results


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0])


def _race_on_locked_case(app: Application, actions: list[Callable[[], Any]]) -> list[Any]:
    """Hold the case's row lock until every action is blocked on it, then release them all, so
    they really compete for the case instead of merely running close together."""
    lock = transaction.atomic()
    lock.__enter__()
    released = False

    def release_when_all_queued() -> None:
        nonlocal released
        try:
            deadline = time.monotonic() + JOIN_TIMEOUT
            while _waiting_on_locks() < len(actions):
                assert time.monotonic() < deadline, "the workers never queued on the row lock"
                time.sleep(0.01)
        finally:
            released = True
            lock.__exit__(None, None, None)  # commit: the lock holder only read the row

    try:
        Application.objects.select_for_update().get(pk=app.pk)
        return _in_threads(actions, ready=release_when_all_queued)
    finally:
        if not released:
            lock.__exit__(None, None, None)


def _sound_chain() -> None:
    report = audit_verify()
    assert report.ok, report.problem
    call_command("verify_audit_chain")  # raises CommandError (exit 1) on a broken chain
    forks = AuditEvent.objects.values("prev_hash").annotate(n=Count("id")).filter(n__gt=1)
    assert not forks.exists()


def _state(app: Application) -> tuple[str, int]:
    fresh = Application.objects.get(pk=app.pk)
    return fresh.status, fresh.version


def test_two_officers_accepting_the_same_case_one_wins_the_other_gets_a_conflict(world: World):
    app = drive(world, S.SUBMITTED)
    _status, version = _state(app)
    events = AuditEvent.objects.count()

    def accept(officer: Any) -> Callable[[], Any]:
        return lambda: services.application_accept(
            application=Application.objects.get(pk=app.pk), by=officer, no_conflict_declared=True
        )

    results = _race_on_locked_case(app, [accept(world.officer), accept(world.other_officer)])

    winners = [r for r in results if isinstance(r, Application)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], WrongState)
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.version) == (S.UNDER_REVIEW, version + 1)
    assert fresh.assigned_officer_id == winners[0].assigned_officer_id
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.filter(application=app, action="accept").count() == 1
    _sound_chain()


def test_three_different_transitions_from_one_state_one_wins_the_others_see_a_stale_version(
    world: World,
):
    """The officer accepts, a colleague asks for a supplement and the applicant withdraws, all
    from the same page load (same ``expected_version``): exactly one of them happens."""
    app = drive(world, S.SUBMITTED)
    status, version = _state(app)
    events = AuditEvent.objects.count()

    def fresh() -> Application:
        return Application.objects.get(pk=app.pk)

    actions: list[Callable[[], Any]] = [
        lambda: services.application_accept(
            application=fresh(),
            by=world.officer,
            no_conflict_declared=True,
            expected_version=version,
        ),
        lambda: services.application_request_supplement(
            application=fresh(),
            by=world.other_officer,
            deficiencies=["시험성적서"],
            expected_version=version,
        ),
        lambda: services.application_withdraw(
            application=fresh(), by=world.applicant, expected_version=version
        ),
    ]
    results = _race_on_locked_case(app, actions)

    winners = [r for r in results if isinstance(r, Application)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 2, results
    assert all(isinstance(e, StaleVersion) for e in losers), losers
    after_status, after_version = _state(app)
    assert after_status in {S.UNDER_REVIEW, S.SUPPLEMENT_REQUESTED, S.WITHDRAWN}
    assert after_status == winners[0].status
    assert after_version == version + 1
    new = list(AuditEvent.objects.filter(seq__gt=events).values_list("from_status", "to_status"))
    assert new == [(status, after_status)]
    _sound_chain()


def test_concurrent_decisions_on_one_deliberation_only_one_is_recorded(world: World):
    app = drive(world, S.DELIBERATION)
    events = AuditEvent.objects.count()

    def fresh() -> Application:
        return Application.objects.get(pk=app.pk)

    actions: list[Callable[[], Any]] = [
        lambda: services.application_reject(application=fresh(), by=world.decider, reasons="부족"),
        lambda: services.application_remand(application=fresh(), by=world.decider, reason="재검토"),
        lambda: services.application_approve(
            application=fresh(),
            by=world.decider,
            committee_reference="제9차",
            term_start=world.today,
            term_end=world.today + dt.timedelta(days=365),
        ),
    ]
    results = _race_on_locked_case(app, actions)

    losers = [r for r in results if isinstance(r, Exception)]
    assert len(losers) == 2 and all(isinstance(e, WrongState) for e in losers), results
    new = list(AuditEvent.objects.filter(seq__gt=events).values_list("action", flat=True))
    # One transition; a rejection or approval also gets its letter issued after the commit.
    assert new in (["remand"], ["reject", "letter_issued"], ["approve", "letter_issued"]), new
    assert fresh().status in {S.REJECTED, S.UNDER_REVIEW, S.APPROVED}
    assert fresh().decisions.count() == 1
    assert Letter.objects.filter(application=app).count() == (0 if new == ["remand"] else 1)
    _sound_chain()


def test_concurrent_submissions_get_unique_gap_free_reference_numbers(world: World):
    drafts = [drive(world, S.DRAFT) for _ in range(8)]
    assert not ReferenceCounter.objects.exists()  # the first submissions race to create it
    events = AuditEvent.objects.count()

    def submit(app: Application) -> Callable[[], Any]:
        return lambda: services.application_submit(application=app, by=world.applicant)

    results = _in_threads([submit(app) for app in drafts])

    assert all(isinstance(r, Application) for r in results), results
    stored = dict(
        Application.objects.filter(pk__in=[a.pk for a in drafts]).values_list("pk", "reference")
    )
    year = results[0].submitted_at.year
    assert sorted(stored.values()) == [f"ICT-{year}-{n:05d}" for n in range(1, 9)]
    # What each submission answered (and its caller's copy) is what its case holds.
    assert [r.reference for r in results] == [stored[app.pk] for app in drafts]
    assert [app.reference for app in drafts] == [stored[app.pk] for app in drafts]
    assert ReferenceCounter.objects.get(program=world.program, year=year).last_number == 8
    assert AuditEvent.objects.count() == events + 8
    _sound_chain()


def test_a_failed_submission_in_the_crowd_leaves_no_gap(world: World):
    drafts = [drive(world, S.DRAFT) for _ in range(4)]
    incomplete = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=world.program,
        track=world.exemption,
        title="미완성",
    )

    def submit(app: Application) -> Callable[[], Any]:
        return lambda: services.application_submit(application=app, by=world.applicant)

    results = _in_threads([submit(app) for app in [*drafts[:2], incomplete, *drafts[2:]]])

    assert sum(isinstance(r, Exception) for r in results) == 1
    year = next(r for r in results if isinstance(r, Application)).submitted_at.year
    references = sorted(
        Application.objects.exclude(reference=None).values_list("reference", flat=True)
    )
    assert references == [f"ICT-{year}-{n:05d}" for n in range(1, 5)]
    _sound_chain()


def test_concurrent_appends_from_many_threads_never_fork_the_chain(world: World):
    start = AuditEvent.objects.count()
    threads, per_thread = 8, 5

    def append(index: int) -> Callable[[], list[int]]:
        def run() -> list[int]:
            seqs = []
            for n in range(per_thread):
                with transaction.atomic():
                    event = audit_record(
                        application=None,
                        actor=world.auditor,
                        actor_role=Role.AUDITOR,
                        action="concurrency_probe",
                        payload={"thread": index, "n": n},
                    )
                seqs.append(event.seq)
            return seqs

        return run

    results = _in_threads([append(i) for i in range(threads)])

    assert all(isinstance(r, list) for r in results), results
    seqs = sorted(s for r in results for s in r)
    assert seqs == list(range(start + 1, start + threads * per_thread + 1))
    assert AuditEvent.objects.filter(action="concurrency_probe").count() == threads * per_thread
    _sound_chain()


# --- the chain head is taken at the end of the transaction (appends_at_end) ------------------


def test_many_clients_transitioning_different_cases_at_once_leave_one_unforked_chain(
    world: World,
):
    drafts = [drive(world, S.DRAFT) for _ in range(8)]
    events = AuditEvent.objects.count()

    def through_review(app: Application) -> Callable[[], Any]:
        def work() -> str:
            services.application_submit(application=app, by=world.applicant)
            services.application_accept(
                application=app, by=world.officer, no_conflict_declared=True
            )
            services.application_recommend(
                application=app, by=world.officer, outcome="approve", proposed_term_days=365
            )
            return str(Application.objects.get(pk=app.pk).status)

        return work

    results = _in_threads([through_review(app) for app in drafts])

    assert results == [S.DELIBERATION] * len(drafts), results
    added = AuditEvent.objects.filter(seq__gt=events)
    assert added.count() == 3 * len(drafts)  # one event per transition, none lost
    assert sorted(added.values_list("seq", flat=True)) == list(
        range(events + 1, events + 1 + 3 * len(drafts))
    )
    _sound_chain()  # verifies, and no two events share a prev_hash


def _tables_locked_by(pid: int, mode: str = "RowExclusiveLock") -> set[str]:
    """The tables the backend ``pid`` has written (``RowExclusiveLock``) or read
    (``AccessShareLock``) so far in its transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND l.mode = %s",
            [pid, mode],
        )
        return {row[0] for row in cursor.fetchall()}


def _where_it_waits(hold: Callable[[], Any], action: Callable[[], Any]) -> dict[str, Any]:
    """Run ``action`` in a thread while this thread's transaction holds what ``hold`` locks;
    once the action waits for us, note the tables it has written and read by then, and let
    it go. Returns those and the action's result."""
    lock = transaction.atomic()
    lock.__enter__()
    released = False
    seen: dict[str, Any] = {}

    def release_when_waiting() -> None:
        nonlocal released
        try:
            deadline = time.monotonic() + JOIN_TIMEOUT
            while True:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pid, pg_blocking_pids(pid) = ARRAY[pg_backend_pid()] "
                        "FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'"
                    )
                    waiting = cursor.fetchall()
                if waiting:
                    break
                assert time.monotonic() < deadline, "the action never waited"
                time.sleep(0.01)
            ((pid, on_us),) = waiting
            seen["blocked by us"] = on_us
            seen["written"] = _tables_locked_by(pid)
            seen["read"] = _tables_locked_by(pid, "AccessShareLock")
            seen["row locks"] = _tables_locked_by(pid, "RowShareLock")  # SELECT … FOR UPDATE
        finally:
            released = True
            lock.__exit__(None, None, None)

    try:
        hold()
        (seen["result"],) = _in_threads([action], ready=release_when_waiting)
    finally:
        if not released:
            lock.__exit__(None, None, None)
    return seen


def test_a_transition_does_its_work_before_it_waits_for_the_chain_head(world: World):
    """While another transaction holds the chain head, an approval gets as far as writing its
    case, its decision and its letter, and only then waits: the head is its last lock."""
    app = drive(world, S.DELIBERATION)
    events = AuditEvent.objects.count()
    seen = _where_it_waits(
        lambda: AuditChainHead.objects.select_for_update().get(pk=1),
        lambda: services.application_approve(
            application=Application.objects.get(pk=app.pk),
            by=world.decider,
            committee_reference="제9차",
            term_start=world.today,
            term_end=world.today + dt.timedelta(days=365),
        ),
    )
    assert not isinstance(seen["result"], BaseException), seen["result"]
    # It waited for us, and all we hold is the chain head.
    assert seen["blocked by us"] is True
    written = {
        Application._meta.db_table,
        Decision._meta.db_table,
        Letter._meta.db_table,
    }
    assert written <= seen["written"], seen["written"]  # … after writing all of these
    assert AuditEvent._meta.db_table not in seen["written"]  # and before its event
    assert AuditEvent.objects.filter(seq__gt=events, action="approve").count() == 1
    _sound_chain()


def test_the_staff_notifications_of_an_event_are_made_before_the_chain_head_is_taken(
    world: World,
):
    """A recommendation tells the decision makers: their notifications are written before the
    transaction waits for the chain head, so the head's holder is not kept waiting for them."""
    app = drive(world, S.UNDER_REVIEW)
    seen = _where_it_waits(
        lambda: AuditChainHead.objects.select_for_update().get(pk=1),
        lambda: services.application_recommend(
            application=Application.objects.get(pk=app.pk),
            by=world.officer,
            outcome="approve",
            proposed_term_days=365,
        ),
    )
    assert not isinstance(seen["result"], BaseException), seen["result"]
    assert seen["blocked by us"] is True
    assert Notification._meta.db_table in seen["written"], seen["written"]
    assert AuditEvent._meta.db_table not in seen["written"]
    made = Notification.objects.filter(application=app, recipient=world.decider).get()
    assert made.event is not None and made.event.action == "recommend"
    _sound_chain()


def test_a_submission_takes_the_reference_counter_only_under_the_chain_head(world: World):
    """Every submission of a programme needs its counter row until it commits (numbers without
    gaps), so it takes the counter as its event is appended, holding the chain head: by then it
    has asked its questions (the required documents, the company profile) and written its
    case, and only the head's holder can be waiting for the counter."""
    app = drive(world, S.DRAFT)
    year = world.program.local_date(timezone.now()).year
    ReferenceCounter.objects.get_or_create(program=world.program, year=year)
    seen = _where_it_waits(
        lambda: ReferenceCounter.objects.select_for_update().get(program=world.program, year=year),
        lambda: services.application_submit(
            application=Application.objects.get(pk=app.pk), by=world.applicant
        ),
    )
    assert not isinstance(seen["result"], BaseException), seen["result"]
    assert seen["blocked by us"] is True
    assert {Document._meta.db_table, Organization._meta.db_table} <= seen["read"], seen["read"]
    assert AuditChainHead._meta.db_table in seen["row locks"], seen["row locks"]
    assert Application._meta.db_table in seen["written"]
    assert AuditEvent._meta.db_table not in seen["written"]  # its event is inserted after
    assert Application.objects.get(pk=app.pk).reference.endswith("-00001")
    _sound_chain()


def test_a_submission_waiting_for_the_chain_head_holds_no_reference_counter(world: World):
    """So the programme's other submissions queue once, for the head, not first behind this one
    for the counter and then for the head."""
    app = drive(world, S.DRAFT)
    year = world.program.local_date(timezone.now()).year
    ReferenceCounter.objects.get_or_create(program=world.program, year=year)
    seen = _where_it_waits(
        lambda: AuditChainHead.objects.select_for_update().get(pk=1),
        lambda: services.application_submit(
            application=Application.objects.get(pk=app.pk), by=world.applicant
        ),
    )
    assert not isinstance(seen["result"], BaseException), seen["result"]
    assert seen["blocked by us"] is True
    assert Application._meta.db_table in seen["written"]  # the case is written before …
    counter = ReferenceCounter._meta.db_table
    assert counter not in seen["row locks"] | seen["written"]  # … and the counter not touched
    assert Application.objects.get(pk=app.pk).reference.endswith("-00001")
    _sound_chain()
