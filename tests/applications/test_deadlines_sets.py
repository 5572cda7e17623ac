"""The set-based sweep (``Rule.act_many``) leaves exactly what the one-item-at-a-time sweep
leaves: the same due items swept both ways (each from the same database state, rolled back in
between) give the same cases field by field, the same child rows, decisions, letters, staff
notifications, public register entries, audit events (every column but the chain's seq and
hashes) and emails, and the chain verifies. Also: a second sweep does nothing, items changed by
someone else between the selection and the lock are skipped, a failing item is reported alone.

These run on SQLite and, in the PostgreSQL pass, on PostgreSQL (two sweeps at once on
PostgreSQL: ``test_deadlines_concurrency.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core import mail
from django.db import models, transaction

from applications import deadlines, services
from applications.audit import audit_verify
from applications.models import (
    Application,
    AuditChainHead,
    AuditEvent,
    Consultation,
    Decision,
    SupplementRequest,
)
from applications.workflow import ApplicationStatus as S
from documents.models import Letter
from notifications.models import Notification
from register.models import RegisterEntry
from tests.applications.test_deadlines import DAY, DAY0, a_case_of_every_rule, at
from tests.applications.test_deadlines_concurrency import (
    EMAILED,
    Processes,
    assert_each_acted_on_once,
    cases_due_now,
    finish,
    wait_until,
    waiting_backends,
)
from tests.builders import World, drive
from tests.supervision.helpers import T0, seoul_midnight

WHEN = DAY0 + 100 * DAY

# Columns that differ between two runs by construction: row ids (PostgreSQL sequences do not
# roll back), the chain's links, save times, random codes and stored file names.
VOLATILE: dict[type[models.Model], set[str]] = {
    Application: {"updated_at"},
    AuditEvent: {"id", "seq", "prev_hash", "hash"},
    Decision: {"id"},
    Letter: {
        "id",
        "decision_id",
        "supersedes_id",
        "created_at",
        "issued_at",
        "storage_name",
        "size",
        "sha256",
        "verification_code",
    },
    Notification: {"id", "event_id", "key", "created_at"},
    Consultation: set(),
    SupplementRequest: {"id"},
    RegisterEntry: {"id", "updated_at"},
}
# A letter's event names its decision's id and its PDF's digest (the PDF carries a random
# verification code): the rest of its payload is compared.
VOLATILE_PAYLOAD = {"decision", "sha256"}
ORDER: dict[type[models.Model], tuple[str, ...]] = {
    AuditEvent: ("application_id", "seq"),
    Decision: ("application_id", "kind", "id"),
    Letter: ("application_id", "kind", "number"),
    Notification: ("recipient_id", "application_id", "kind", "id"),
    RegisterEntry: ("application_id",),
}


def state() -> dict[str, list[dict[str, Any]]]:
    """Every row the sweep may write, without the columns that differ by construction."""
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for model, volatile in VOLATILE.items():
        rows = model._default_manager.order_by(*ORDER.get(model, ("pk",))).values()
        snapshot[model.__name__] = [
            {k: _stable(k, v) for k, v in row.items() if k not in volatile} for row in rows
        ]
    return snapshot


def _stable(column: str, value: Any) -> Any:
    if column == "payload" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in VOLATILE_PAYLOAD}
    return value


def emails() -> list[tuple[tuple[str, ...], str]]:
    return sorted((tuple(message.to), str(message.subject)) for message in mail.outbox)


def swept_both_ways(
    capture: Callable[..., Any], when: dt.datetime, rules: Sequence[deadlines.Rule] | None = None
) -> dict[bool, dict[str, Any]]:
    """Sweep at ``when`` one item at a time, roll back, sweep set-based: what each left."""
    seen: dict[bool, dict[str, Any]] = {}
    for set_based in (False, True):
        savepoint = transaction.savepoint()
        mail.outbox = []
        with at(when), capture(execute=True):
            result = deadlines.sweep(now=when, rules=rules or deadlines.RULES, set_based=set_based)
        report = audit_verify()
        with at(when), capture(execute=True):
            second = deadlines.sweep(now=when, rules=rules or deadlines.RULES, set_based=set_based)
        seen[set_based] = {
            "done": dict(result.done),
            "skipped": dict(result.skipped),
            "failed": result.failed,
            "state": state(),
            "emails": emails(),
            "chain": (report.ok, report.problem),
            "second": (second.total, second.failed),
        }
        transaction.savepoint_rollback(savepoint)
    return seen


def assert_same(seen: dict[bool, dict[str, Any]]) -> None:
    one, many = seen[False], seen[True]
    for table in one["state"]:
        assert many["state"][table] == one["state"][table], table
    assert many == one


def test_every_rule_set_based_leaves_what_one_by_one_leaves(
    world, django_capture_on_commit_callbacks
):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    cases = [a_case_of_every_rule(world) for _ in range(3)]
    Application.objects.filter(pk__in=[c[deadlines.EXPIRY_REMINDER].pk for c in cases[1:]]).update(
        language="en"
    )
    seen = swept_both_ways(django_capture_on_commit_callbacks, WHEN)
    assert_same(seen)
    assert seen[True]["done"] == {name: 3 for name in cases[0]}
    assert seen[True]["chain"] == (True, "")
    assert seen[True]["second"] == (0, [])
    assert len(seen[True]["emails"]) >= 4 * 3  # deem, lapse, expire and the reminder: emailed
    subjects = " ".join(subject for _to, subject in seen[True]["emails"])
    assert any("\uac00" <= ch <= "\ud7a3" for ch in subjects)  # Korean applicants
    assert any(ch.isascii() and ch.isalpha() for ch in subjects)  # and English ones
    letters = [row for row in seen[True]["state"]["Letter"] if row["kind"] in ("expiry",)]
    assert len(letters) == 3
    ended = [row for row in seen[True]["state"]["RegisterEntry"] if row["status"] == "expired"]
    assert len(ended) == 3  # the expired waivers' public entries, compared above, say so


def _continuing(world: World) -> Application:
    world.exemption.continuation_cap_months = 18
    world.exemption.save()
    with at(T0):
        app = drive(world, S.CONTINUING)
    return Application.objects.get(pk=app.pk)


def test_the_continuation_rules_set_based_leave_what_one_by_one_leaves(
    world, django_capture_on_commit_callbacks
):
    apps = [_continuing(world) for _ in range(4)]
    cap = apps[0].continuation_until
    assert cap is not None
    # Two reach their cap; two are 30 days from it (the reminder).
    Application.objects.filter(pk__in=[a.pk for a in apps[2:]]).update(
        continuation_until=cap + dt.timedelta(days=31)
    )
    moment = seoul_midnight(cap + dt.timedelta(days=1))
    seen = swept_both_ways(django_capture_on_commit_callbacks, moment)
    assert_same(seen)
    assert seen[True]["done"] == {"continuation_cap": 2, deadlines.CAP_REMINDER: 2}
    assert seen[True]["chain"] == (True, "")


def test_a_large_sweep_goes_set_based_and_a_small_one_item_by_item(world, monkeypatch):
    calls: list[str] = []
    real_set, real_batch = deadlines._sweep_set, deadlines._sweep_batch

    def spy_set(rule: deadlines.Rule, pks: Sequence[int], **kwargs: Any) -> Any:
        calls.append("set")
        return real_set(rule, pks, **kwargs)

    def spy_batch(chunk: Any, **kwargs: Any) -> Any:
        calls.append("batch")
        return real_batch(chunk, **kwargs)

    monkeypatch.setattr(deadlines, "_sweep_set", spy_set)
    monkeypatch.setattr(deadlines, "_sweep_batch", spy_batch)
    a_case_of_every_rule(world)
    with at(WHEN):
        assert deadlines.sweep(now=WHEN).total == 6
    assert calls and set(calls) == {"batch"}  # a few items: one at a time, as before
    monkeypatch.setattr(deadlines, "SET_BASED_FROM", 2)
    calls.clear()
    a_case_of_every_rule(world)
    with at(WHEN):
        assert deadlines.sweep(now=WHEN).total == 6
    assert calls == ["set"] * 6  # one chunk per rule


def test_items_changed_between_selection_and_lock_are_skipped(world, monkeypatch):
    """The applicant withdraws a lapsing case and another sweep expires the waiver after the
    sweep selected them but before it locked their cases: neither is acted on again."""
    cases = [a_case_of_every_rule(world) for _ in range(2)]
    late = cases[0]
    real_select_due = deadlines.select_due

    def select_then_interfere(
        rules: Sequence[deadlines.Rule], *, now: dt.datetime
    ) -> list[list[int]]:
        found = real_select_due(rules, now=now)
        services.application_withdraw(
            application=late["supplement_lapse"], by=world.applicant, reason="늦었습니다"
        )
        services.application_expire(application=late["expiry"], now=now, rule="elsewhere")
        return found

    monkeypatch.setattr(deadlines, "select_due", select_then_interfere)
    with at(WHEN):
        result = deadlines.sweep(now=WHEN, set_based=True)
    assert result.failed == []
    assert result.skipped == {"supplement_lapse": 1, "expiry": 1}
    assert result.done["supplement_lapse"] == 1 and result.done["expiry"] == 1
    withdrawn = Application.objects.get(pk=late["supplement_lapse"].pk)
    assert withdrawn.status == S.WITHDRAWN
    assert not AuditEvent.objects.filter(application=withdrawn, action="lapse").exists()
    assert AuditEvent.objects.filter(application=late["expiry"], action="expire").count() == 1
    assert Decision.objects.filter(application=late["expiry"], kind="expiry").count() == 1
    assert audit_verify().ok


def test_a_failing_item_of_a_set_based_chunk_is_reported_alone(world):
    cases = [a_case_of_every_rule(world) for _ in range(3)]
    bad = cases[1]["supplement_lapse"]
    rule = deadlines.RULE_BY_NAME["supplement_lapse"]

    def act(app: Application, now: dt.datetime, why: str) -> object:
        if app.pk == bad.pk:
            raise RuntimeError("mail server on fire")
        return rule.act(app, now, why)

    def act_many(apps: Sequence[Application], now: dt.datetime, whys: Sequence[str]) -> object:
        assert rule.act_many is not None
        rule.act_many(apps, now, whys)  # done, events registered: the chunk then fails whole
        if any(app.pk == bad.pk for app in apps):
            raise RuntimeError("mail server on fire")
        return None

    failing = deadlines.Rule(
        rule.name, rule.due, act, rule.describe, rule.case_of, rule.related, act_many
    )
    events_before = AuditEvent.objects.count()
    with at(WHEN):
        result = deadlines.sweep(now=WHEN, rules=[failing], set_based=True)
    assert result.failed == [("supplement_lapse", bad.pk, "RuntimeError: mail server on fire")]
    assert result.done == {"supplement_lapse": 2}
    assert Application.objects.get(pk=bad.pk).status == S.SUPPLEMENT_REQUESTED
    assert not AuditEvent.objects.filter(application=bad, action="lapse").exists()
    assert AuditEvent.objects.count() - events_before == 2
    for other in (cases[0], cases[2]):
        assert Application.objects.get(pk=other["supplement_lapse"].pk).status == S.WITHDRAWN
    assert audit_verify().ok


def test_the_batch_transition_refuses_a_case_not_in_the_transitions_source_state(world):
    """``run_transitions`` goes through the state machine: a case in another state is refused
    and nothing of the batch is written."""
    cases = a_case_of_every_rule(world)
    lapse, active = cases["supplement_lapse"], cases["expiry"]
    locked = list(
        Application.objects.select_for_update()
        .select_related("program", "track")
        .filter(pk__in=[lapse.pk, active.pk])
        .order_by("pk")
    )
    with pytest.raises(Exception, match="cannot be"), transaction.atomic():
        services.applications_lapse(applications=locked, now=WHEN, rules=["x", "y"])
    assert Application.objects.get(pk=lapse.pk).status == S.SUPPLEMENT_REQUESTED
    assert not AuditEvent.objects.filter(application=lapse, action="lapse").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_set_based_sweeps_at_once_act_on_each_item_once(world, tmp_path):
    """Two processes sweep set-based at the same time: the first holds its chunk's case locks
    while it waits for the chain head, the second skips those cases (``SKIP LOCKED``) and waits
    with the next rule's chunk; between them every item is acted on once."""
    batches = cases_due_now(world, batches=3)
    processes = Processes(tmp_path)
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().get(pk=1)  # both block at their first append
        first = processes.start("run_deadlines", "--no-lock", "--set-based")
        second = processes.start("run_deadlines", "--no-lock", "--set-based")
        wait_until(lambda: len(waiting_backends()) == 2, "both sweeps to reach a chunk")
    outputs = [finish(first), finish(second)]

    assert_each_acted_on_once(batches)
    totals = [int(out.split("Deadline sweep: ")[1].split(" action")[0]) for out in outputs]
    assert sum(totals) == 6 * len(batches)
    assert all(total > 0 for total in totals)
    assert processes.emails() == len(EMAILED) * len(batches)
    again = finish(processes.start("run_deadlines", "--set-based"))
    assert "Deadline sweep: 0 action(s)" in again


@pytest.mark.django_db(transaction=True)
def test_a_chunk_whose_after_commit_effect_fails_is_done_not_redone(world):
    """The chunk committed; only something after the commit failed (a task queue that is down):
    its items count as done and are not worked again one by one."""
    cases = [a_case_of_every_rule(world) for _ in range(2)]
    rule = deadlines.RULE_BY_NAME["supplement_lapse"]

    def act_many(apps: Sequence[Application], now: dt.datetime, whys: Sequence[str]) -> object:
        assert rule.act_many is not None
        rule.act_many(apps, now, whys)

        def queue_down() -> None:
            raise RuntimeError("task queue down")

        transaction.on_commit(queue_down)
        return None

    after_commit_fails = deadlines.Rule(
        rule.name, rule.due, rule.act, rule.describe, rule.case_of, rule.related, act_many
    )
    with at(WHEN):
        result = deadlines.sweep(now=WHEN, rules=[after_commit_fails], set_based=True)
    assert result.done == {"supplement_lapse": 2} and result.failed == []
    assert result.skipped == {}
    for case in cases:
        app = case["supplement_lapse"]
        assert Application.objects.get(pk=app.pk).status == S.WITHDRAWN
        assert AuditEvent.objects.filter(application=app, action="lapse").count() == 1
    assert audit_verify().ok
