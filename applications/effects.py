"""Where the apps that build on the case kernel plug into it.

The kernel never imports them (``import-linter`` holds that arrow); instead each subscribes here
once, from its ``AppConfig.ready``:

- ``on_decision``: a decision with legal effect was recorded. Runs *inside* the decision's
  transaction (``documents`` prepares the letter there, so a letter is never lost) and schedules
  with ``transaction.on_commit`` whatever must wait for the commit (issuing the letter).
- ``on_event``: an audit event was committed. Runs *after* the commit, with the event's id, so a
  failure here (a mail server that is down) never undoes the change (the applicant's email).
  ``wants(event)``, when given, says from the event in hand (its action, statuses and case)
  whether the hook acts on it at all, so that the events it ignores (a draft's edits, for most)
  cost no query reading them back; the hook itself still gets the id and reads what it needs.
- ``on_event_in_transaction``: an audit event was recorded. Runs *inside* the event's
  transaction, with the event itself (its id and fields set; its place in the chain may not be
  yet), for records that must exist exactly when the event does (``notifications``: the staff
  member's notification; its email waits for the commit); with ``wants`` as ``on_event``.
- ``on_submission_check``: what else stops a draft from being submitted, field → message
  (``documents``: required files not uploaded).
- ``on_transition_check``: what else stops one transition, field → message, asked by the
  transition kernel after the transition's own guards and under the case lock (``supervision``:
  activation and extension need insurance meeting the track's minimum cover).
- ``on_transition_guard``: a procedure one transition must have gone through, asked by the
  transition kernel after the state and permission checks and before the guards, under the case
  lock; it raises a domain error (``WrongState``: 409 naming what is missing) instead of
  listing fields (``sanctions``: suspension and revocation only after the prior notice's
  opinion deadline or opinion, or urgently with a recorded ground).
- ``on_decision_check``: what else stops a committee decision (approve, reject), field →
  message, given the meeting it cites or ``None`` for a free-text reference (``committees``:
  a programme whose committee meets in the system decides through its meetings).

Hooks run in the order they subscribed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    import datetime as dt

    from applications.models import Application, AuditEvent, Decision

# Each is called with keyword arguments: ``hook(decision=…)``, ``hook(event_id=…)`` (after the
# commit; ``hook(event=…)`` inside the transaction),
# ``check(application=…)``, ``check(application=…, meeting_at=…)``.
DecisionHook = Callable[..., object]
EventHook = Callable[..., object]
SubmissionCheck = Callable[..., dict[str, str]]
# ``check(application=…, arguments=…)``: the locked case and the transition's arguments.
TransitionCheck = Callable[..., dict[str, str]]
DecisionCheck = Callable[..., dict[str, str]]
# ``guard(application=…, arguments=…)``: raises a ``core.errors.DomainError`` to refuse.
TransitionGuard = Callable[..., None]
# ``wants(event)``: whether an event hook acts on this (just recorded) event at all.
EventFilter = Callable[["AuditEvent"], bool]

_decision_hooks: list[DecisionHook] = []
# A hook's batch form, where its app gives one: ``hook(decisions=[…])``, ``hook(event_ids=[…])``,
# ``hook(events=[…])`` (in the transaction);
# called once for many decisions or events (the deadline sweep's chunks) instead of once each.
_batch_forms: dict[Any, Callable[..., object]] = {}
_event_filters: dict[Any, EventFilter] = {}
_event_hooks: list[EventHook] = []
_event_in_transaction_hooks: list[Callable[..., object]] = []
_submission_checks: list[SubmissionCheck] = []
_transition_checks: dict[str, list[TransitionCheck]] = {}
_decision_checks: list[DecisionCheck] = []
_transition_guards: dict[str, list[TransitionGuard]] = {}


def _subscribe(hooks: list[Any], hook: Any) -> None:
    if hook not in hooks:  # ``ready`` may run more than once (test runners reload apps)
        hooks.append(hook)


def _batch_form(hook: Any, many: Callable[..., object] | None) -> None:
    if many is not None:
        _batch_forms[hook] = many


def on_decision(hook: DecisionHook, *, many: Callable[..., object] | None = None) -> DecisionHook:
    """``many(decisions=[…])``, when given, does for a list what ``hook`` does for each."""
    _subscribe(_decision_hooks, hook)
    _batch_form(hook, many)
    return hook


def _event_filter(hook: Any, wants: EventFilter | None) -> None:
    if wants is not None:
        _event_filters[hook] = wants


def on_event(
    hook: EventHook,
    *,
    many: Callable[..., object] | None = None,
    wants: EventFilter | None = None,
) -> EventHook:
    """``many(event_ids=[…])``, when given, does for a list what ``hook`` does for each;
    ``wants(event)``, when given, picks the events ``hook`` (and ``many``) are told of."""
    _subscribe(_event_hooks, hook)
    _batch_form(hook, many)
    _event_filter(hook, wants)
    return hook


def on_event_in_transaction(
    hook: Callable[..., object],
    *,
    many: Callable[..., object] | None = None,
    wants: EventFilter | None = None,
) -> Callable[..., object]:
    """``hook(event=…)`` inside the event's transaction; ``many(events=[…])``, when given, does
    for a list what ``hook`` does for each; ``wants`` as ``on_event``. The event is the one
    being stored: its id and every field are set, but not always its place in the chain
    (``seq``, hashes), and its row may not be written yet: on PostgreSQL the chain head is taken
    after these hooks, so that concurrent transactions wait for it as briefly as possible
    (except in a transaction whose submission takes its reference under the head: then they
    run after the append, as on SQLite; see ``audit.audit_flush``)."""
    _subscribe(_event_in_transaction_hooks, hook)
    _batch_form(hook, many)
    _event_filter(hook, wants)
    return hook


def _wanted(hook: Any, events: list[AuditEvent]) -> list[AuditEvent]:
    """The events ``hook`` acts on, in order."""
    wants = _event_filters.get(hook)
    return [event for event in events if wants is None or wants(event)]


def on_submission_check(check: SubmissionCheck) -> SubmissionCheck:
    _subscribe(_submission_checks, check)
    return check


def on_transition_check(name: str, check: TransitionCheck) -> TransitionCheck:
    """Subscribe ``check`` to the transition called ``name`` (``activate``, ``extend`` …)."""
    _subscribe(_transition_checks.setdefault(name, []), check)
    return check


def transition_problems(
    name: str, *, application: Application, arguments: dict[str, Any]
) -> dict[str, str]:
    """What the subscribed checks find wrong with taking ``name`` now, field → message."""
    problems: dict[str, str] = {}
    for check in _transition_checks.get(name, []):
        problems.update(check(application=application, arguments=arguments))
    return problems


def on_transition_guard(name: str, guard: TransitionGuard) -> TransitionGuard:
    """Subscribe ``guard`` to the transition called ``name`` (``suspend``, ``revoke`` …)."""
    _subscribe(_transition_guards.setdefault(name, []), guard)
    return guard


def transition_guards(name: str, *, application: Application, arguments: dict[str, Any]) -> None:
    """Run the subscribed procedure guards of ``name``; the first that refuses raises."""
    for guard in _transition_guards.get(name, []):
        guard(application=application, arguments=arguments)


def on_decision_check(check: DecisionCheck) -> DecisionCheck:
    _subscribe(_decision_checks, check)
    return check


def decision_recorded(decision: Decision) -> None:
    """Inside the decision's transaction: every subscriber acts on it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A decision's effects run inside the decision's transaction.")
    for hook in _decision_hooks:
        hook(decision=decision)


def decisions_recorded(decisions: list[Decision]) -> None:
    """``decision_recorded`` for many decisions of one transaction: each subscriber once, with
    the list where it has a batch form, else once per decision."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A decision's effects run inside the decision's transaction.")
    for hook in _decision_hooks:
        many = _batch_forms.get(hook)
        if many is not None:
            many(decisions=decisions)
        else:
            for decision in decisions:
                hook(decision=decision)


def events_with_ids(events: list[AuditEvent]) -> list[AuditEvent]:
    """``events``, each with its id: those not inserted yet (on PostgreSQL the in-transaction
    hooks run before the insert, see ``audit.audit_flush``) take theirs from the table's
    sequence, in one query; the insert then uses them. Events nobody keeps an id of need none."""
    missing = [event for event in events if event.pk is None]
    if missing:
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [missing[0]._meta.db_table, len(missing)],
            )
            for event, (pk,) in zip(missing, cursor.fetchall(), strict=True):
                event.pk = pk
    return events


def event_recorded(event: AuditEvent) -> None:
    """Inside the event's transaction: the in-transaction subscribers that want it now, with the
    event as it is being stored (``on_event_in_transaction``), the others with its id once it
    commits."""
    for in_transaction in _event_in_transaction_hooks:
        if _wanted(in_transaction, [event]):
            in_transaction(event=events_with_ids([event])[0])
    for hook in _event_hooks:
        if _wanted(hook, [event]):
            # The id read after the commit: the row may be inserted after this call.
            transaction.on_commit(lambda hook=hook: hook(event_id=event.pk))  # type: ignore[misc]


def events_recorded(events: list[AuditEvent]) -> None:
    """``event_recorded`` for many events of one transaction (in chain order): each subscriber
    once with the list of those it wants where it has a batch form, else once per event."""
    events = list(events)
    for in_transaction in _event_in_transaction_hooks:
        wanted = events_with_ids(_wanted(in_transaction, events))
        many = _batch_forms.get(in_transaction)
        if many is not None and wanted:
            many(events=wanted)
        elif many is None:
            for event in wanted:
                in_transaction(event=event)
    for hook in _event_hooks:
        wanted = _wanted(hook, events)
        many = _batch_forms.get(hook)
        # The ids read after the commit: the rows may be inserted after this call.
        if many is not None and wanted:
            transaction.on_commit(
                lambda many=many, wanted=wanted: many(event_ids=[e.pk for e in wanted])  # type: ignore[misc]
            )
        elif many is None:
            for event in wanted:
                transaction.on_commit(
                    lambda hook=hook, event=event: hook(event_id=event.pk)  # type: ignore[misc]
                )


def submission_problems(application: Application) -> dict[str, str]:
    """What the subscribed checks find missing before submission, field → message."""
    problems: dict[str, str] = {}
    for check in _submission_checks:
        problems.update(check(application=application))
    return problems


def decision_problems(application: Application, meeting_at: dt.datetime | None) -> dict[str, str]:
    """What the subscribed checks find wrong with a committee decision on ``application`` citing
    a meeting held at ``meeting_at`` (``None``: a free-text reference), field → message."""
    problems: dict[str, str] = {}
    for check in _decision_checks:
        problems.update(check(application=application, meeting_at=meeting_at))
    return problems
