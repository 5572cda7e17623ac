"""The submission's reference number is taken under the chain head, as its event is appended
(``run_transition``'s ``reference``, ``audit_record``'s ``reference_at_head``): the case, its
event's hash and the service's answer carry the same number; a submission that fails after
taking it leaves no gap; several submissions in one block are numbered in chain order.

Run on both databases (SQLite here, PostgreSQL in the PostgreSQL pass); the concurrent cases
are in ``test_concurrency.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from applications import effects, services
from applications.audit import (
    appends_at_end,
    audit_record,
    audit_verify,
    chain_head,
    event_hash,
)
from applications.models import Application, AuditEvent, ReferenceCounter
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from tests.builders import World, drive


class Refused(Exception):
    pass


def _number(world: World, app: Application, n: int) -> str:
    assert app.submitted_at is not None
    return f"{world.program.code}-{world.program.local_date(app.submitted_at).year}-{n:05d}"


def _submission(app: Application) -> AuditEvent:
    return AuditEvent.objects.select_related("application").get(application=app, action="submit")


def test_the_case_its_event_and_the_answer_carry_the_same_reference(world: World):
    app = drive(world, S.DRAFT)

    answer = services.application_submit(application=app, by=world.applicant)

    stored = Application.objects.get(pk=app.pk)
    expected = _number(world, stored, 1)
    assert (answer.reference, app.reference, stored.reference) == (expected, expected, expected)
    event = _submission(app)
    # The hash was taken over the number the case row holds (the event names it only there).
    assert event_hash(event.prev_hash, event) == event.hash
    assert stored.company_profile == answer.company_profile != {}
    assert audit_verify().ok


def test_a_submission_that_fails_after_taking_its_number_leaves_no_gap(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    """A subscriber of the submission's event runs after the number is taken and refuses: the
    transaction rolls back whole, the number with it."""
    first, second = drive(world, S.DRAFT), drive(world, S.DRAFT)
    seen: list[Any] = []

    def refuse(*, event: AuditEvent) -> None:
        if event.action == "submit":
            case = Application.objects.filter(pk=event.application_id)
            seen.append(case.values_list("reference", flat=True).get())
            raise Refused

    hooks = [*effects._event_in_transaction_hooks, refuse]
    monkeypatch.setattr(effects, "_event_in_transaction_hooks", hooks)
    head = chain_head()
    with pytest.raises(Refused):
        services.application_submit(application=first, by=world.applicant)

    assert len(seen) == 1 and seen[0] is not None and seen[0].endswith("-00001")
    fresh = Application.objects.get(pk=first.pk)
    assert (fresh.status, fresh.reference, fresh.submitted_at) == (S.DRAFT, None, None)
    assert not ReferenceCounter.objects.filter(last_number__gt=0).exists()
    assert chain_head() == head

    monkeypatch.setattr(effects, "_event_in_transaction_hooks", hooks[:-1])
    services.application_submit(application=second, by=world.applicant)
    services.application_submit(application=first, by=world.applicant)
    assert second.reference == _number(world, second, 1)
    assert first.reference == _number(world, first, 2)
    assert audit_verify().ok


def test_submissions_in_one_block_are_numbered_when_it_ends_in_chain_order(world: World):
    drafts = [drive(world, S.DRAFT) for _ in range(3)]
    head = chain_head()

    with appends_at_end():
        for app in reversed(drafts):
            services.application_submit(application=app, by=world.applicant)
            assert app.status == S.SUBMITTED and app.reference is None  # given at the append
        assert not ReferenceCounter.objects.filter(last_number__gt=0).exists()

    events = list(AuditEvent.objects.filter(seq__gt=head[0]).order_by("seq"))
    assert [e.application_id for e in events] == [app.pk for app in reversed(drafts)]
    stored = dict(
        Application.objects.filter(pk__in=[a.pk for a in drafts]).values_list("pk", "reference")
    )
    numbers = [stored[e.application_id] for e in events]
    assert numbers == [_number(world, drafts[0], n) for n in (1, 2, 3)]
    assert [app.reference for app in reversed(drafts)] == numbers
    assert audit_verify().ok


def test_a_reference_taken_under_the_head_needs_a_block_that_appends_at_its_end(world: World):
    app = drive(world, S.DRAFT)
    head, taken = chain_head(), []

    def take() -> str:
        taken.append(1)
        return "ICT-0000-00001"

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(
            application=app,
            actor=world.applicant,
            actor_role=Role.APPLICANT,
            action="submit",
            from_status=S.DRAFT,
            to_status=S.SUBMITTED,
            reference_at_head=take,
        )
    assert (chain_head(), taken) == (head, [])


def test_a_number_is_taken_in_one_statement_and_each_year_counts_from_one(world: World):
    """The year's first submission makes the programme's counter for that year; every later one
    moves it on in one statement (the head's holder waits for one round trip, not two)."""
    first, second, next_year = (drive(world, S.DRAFT) for _ in range(3))
    services.application_submit(application=first, by=world.applicant)
    assert first.reference == _number(world, first, 1)

    counters = ReferenceCounter._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        services.application_submit(application=second, by=world.applicant)
    assert second.reference == _number(world, second, 2)
    touching = [q["sql"] for q in captured.captured_queries if counters in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("UPDATE")

    assert first.submitted_at is not None
    year = world.program.local_date(first.submitted_at).year
    with time_machine.travel(dt.datetime(year + 1, 1, 5, 3, 0, tzinfo=dt.UTC), tick=False):
        services.application_submit(application=next_year, by=world.applicant)
    assert next_year.reference == f"{world.program.code}-{year + 1}-00001"
    assert dict(
        ReferenceCounter.objects.filter(program=world.program).values_list("year", "last_number")
    ) == {year: 2, year + 1: 1}
    assert audit_verify().ok
