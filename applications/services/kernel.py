"""The transition kernel: the one path through which a case changes, and the plumbing every
service shares.

Shape of each write: one transaction → lock the case row → visibility (404), version (409),
state (409), permission (403), procedure (409, what higher apps subscribed with
``effects.on_transition_guard``), guards (400, the transition's own and those higher apps subscribed
with ``effects.on_transition_check``) → transition → save → audit event → effects after
commit. Services take keyword-only arguments and the acting user as ``by`` (``None`` only for
the scheduler's system actions); they never take a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from applications import effects
from applications import permissions as perms
from applications.audit import appends_at_end, audit_record
from applications.models import Application, AuditEvent, Decision
from applications.roles import Role
from applications.visibility import can_view_application
from applications.vocabulary import AuditAction
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from core.prepared import PreparedGet


def _case_locked() -> QuerySet[Application]:
    return Application.objects.select_for_update(of=("self",)).select_related(
        "program", "track", "organization"
    )


# Compiled once per thread (core/prepared.py): every write to a case runs it.
_CASE_LOCKED = PreparedGet(_case_locked)


def application_row_lock(application: Application) -> Application:
    """The case row, locked for this transaction (every write to a case starts here)."""
    return _CASE_LOCKED.get(application.pk)


def require_visible(by: Any, application: Application) -> None:
    if by is not None and not can_view_application(by, application):
        raise NotVisible(_("No such application."))


def require_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and application.version != expected_version:
        raise StaleVersion(
            _(
                "This case changed since you opened it (it is now %(status)s). "
                "Reload the page to see the changes, then try again."
            )
            % {"status": application.get_status_display()}
        )


def require(predicate: perms.Predicate, by: Any, obj: Any) -> None:
    if not predicate(by, obj):
        raise NotPermitted(_("You are not allowed to do this on this case."))


def require_no_conflict_declared(declared: bool) -> None:
    if not declared:
        raise InvalidInput(
            {
                "no_conflict_declared": _(
                    "Declare that you have no conflict of interest in this case."
                )
            }
        )


def refresh_caller_copy(application: Application, app: Application) -> None:
    """The caller's object takes the values of the locked, saved row (the service's result)."""
    application.__dict__.update({k: v for k, v in app.__dict__.items() if not k.startswith("_")})
    application.__dict__.pop(perms.CONFLICTS_CACHE, None)  # read again when next asked


def clean_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field: message})
    return text


def run_transition(
    *,
    application: Application,
    by: Any,
    name: str,
    role: str,
    expected_version: int | None = None,
    guard: Callable[[Application], None] | None = None,
    arguments: Callable[[Application], dict[str, Any]] | None = None,
    payload: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    reference: Callable[[Application], str] | None = None,
) -> Application:
    """The one path through which ``status`` changes. Must run inside ``transaction.atomic``
    (or ``appends_at_end``, which appends its audit event as the transaction's last step).

    ``reference(app)`` gives the case its reference number (the submission's, from a counter
    row every submission of the programme locks): asked when the event is appended, under the
    chain head (``audit_record``'s ``reference_at_head``), so that the counter is held only
    while the head is and no submission waits for it. The case row, ``app`` and the caller's
    copy take it then: inside ``appends_at_end``, when the block ends."""
    at = at or timezone.now()
    app = application_row_lock(application)
    require_visible(by, app)
    require_version(app, expected_version)
    values = _transition_checks(app, name, by, guard, arguments)
    reference_at_head = None if reference is None else _reference_giver(application, app, reference)
    method = getattr(app, name)
    source = app.status
    method(**values)
    app.clock_follow(source, app.status, at)
    app.version += 1
    app.save()
    audit_record(
        application=app,
        actor=by,
        actor_role=role,
        action=AuditAction(name),
        from_status=source,
        to_status=app.status,
        payload=payload,
        at=at,
        recorded=effects.event_recorded,
        recorded_many=effects.events_recorded,
        reference_at_head=reference_at_head,
    )
    refresh_caller_copy(application, app)
    return app


def _reference_giver(
    application: Application, app: Application, reference: Callable[[Application], str]
) -> Callable[[], str]:
    """What gives the case its reference under the chain head: the number, written to the case
    row, the locked copy and the caller's."""

    def give() -> str:
        number = reference(app)
        Application.objects.filter(pk=app.pk).update(reference=number)
        app.reference = application.reference = number
        return number

    return give


def _transition_checks(
    app: Application,
    name: str,
    by: Any,
    guard: Callable[[Application], None] | None,
    arguments: Callable[[Application], dict[str, Any]] | None,
) -> dict[str, Any]:
    """What a transition checks after the lock: state (409), permission (403; a system action
    when ``by`` is None, only then), track and procedure (409), guards (400); returns the
    transition's arguments."""
    method = getattr(app, name)
    if not can_proceed(method, check_conditions=False):
        raise WrongState(
            _("A case that is %(status)s cannot be %(action)s.")
            % {"status": app.get_status_display(), "action": name.replace("_", " ")}
        )
    fsm_transition = method._django_fsm.get_transition(app.status)
    system_action = fsm_transition.permission.__name__ == perms.system_only.__name__
    if (by is None) != system_action or (by is not None and not fsm_transition.has_perm(app, by)):
        raise NotPermitted(_("You are not allowed to do this on this case."))
    if not can_proceed(method):
        raise WrongState(
            _("This action does not apply to the %(track)s track.")
            % {"track": app.track.display_name}
        )
    values = arguments(app) if arguments else {}
    effects.transition_guards(name, application=app, arguments=values)
    if guard is not None:
        guard(app)
    problems = effects.transition_problems(name, application=app, arguments=values)
    if problems:
        raise InvalidInput(problems)
    return values


def _column_values(apps: Sequence[Application], field: Any) -> Any:
    """One column's new values for ``apps`` as one expression: the value itself when all rows
    take the same, else ``CASE`` over the rows' ids."""
    groups: list[tuple[Any, list[int]]] = []
    for app in apps:
        value = getattr(app, field.attname)
        for known, pks in groups:
            if known == value:
                pks.append(app.pk)
                break
        else:
            groups.append((value, [app.pk]))
    if len(groups) == 1:
        return Value(groups[0][0], output_field=field)
    return Case(
        *(When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in groups),
        output_field=field,
    )


def run_transitions(
    *,
    applications: Sequence[Application],
    name: str,
    role: str = Role.SYSTEM,
    guard: Callable[[Application], None] | None = None,
    arguments: Callable[[Application], dict[str, Any]] | None = None,
    payload: Callable[[Application], dict[str, Any]],
    at: dt.datetime,
) -> list[Application]:
    """The system transition ``name`` of many cases at once (the deadline sweep's batch
    actions): what ``run_transition`` does for one case with ``by=None``, set-based.

    The caller has locked the case rows in this transaction (``SELECT … FOR UPDATE``) and passes
    them as read under the lock (``program`` and ``track`` joined). Each case goes through the
    same checks and the same transition method in memory (so every field takes the value the
    one-case path gives it, the clock included); then one ``UPDATE`` writes them all, carrying
    the transition's source-state condition and bumping ``version``, and one audit event per
    case is registered with the same actor, role, from/to status and payload (appended to the
    chain at the end of the caller's ``appends_at_end`` block). Any refusal raises, and the
    caller's transaction rolls back whole. ``payload(app)`` is read before the transition, as
    the one-case services build theirs from the caller's copy."""
    if not applications:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("run_transitions must run inside the transaction that locked the rows.")
    before: dict[int, dict[str, Any]] = {}
    moves: list[tuple[Application, str, dict[str, Any]]] = []
    for app in applications:
        values = _transition_checks(app, name, None, guard, arguments)
        before[app.pk] = {f.attname: getattr(app, f.attname) for f in app._meta.concrete_fields}
        moves.append((app, app.status, payload(app)))
        source = app.status
        getattr(app, name)(**values)
        app.clock_follow(source, app.status, at)
        app.version += 1
    saved_at = timezone.now()
    for app in applications:
        app.updated_at = saved_at
    changed = [
        f
        for f in Application._meta.concrete_fields
        if f.attname not in ("id", "version")
        and any(getattr(app, f.attname) != before[app.pk][f.attname] for app in applications)
    ]
    columns: dict[str, Any] = {f.attname: _column_values(applications, f) for f in changed}
    columns["version"] = F("version") + 1
    written = Application.objects.filter(pk__in=[app.pk for app in applications]).transition_update(
        sources={source for _app, source, _payload in moves}, **columns
    )
    if written != len(applications):
        raise WrongState(_("A case changed while the deadline sweep worked on it."))
    for app, source, body in moves:
        audit_record(
            application=app,
            actor=None,
            actor_role=role,
            action=AuditAction(name),
            from_status=source,
            to_status=app.status,
            payload=body,
            at=at,
            recorded=effects.event_recorded,
            recorded_many=effects.events_recorded,
        )
    return list(applications)


def decisions_record(decisions: Sequence[Decision]) -> list[Decision]:
    """``decision_record`` for many decisions (the sweep's batch actions): one insert, then every
    subscriber acts on each decision in this same transaction, in order."""
    created = list(decisions)
    if connection.features.can_return_rows_from_bulk_insert:
        created = Decision.objects.bulk_create(created)
    else:
        for decision in created:
            decision.save(force_insert=True)
    effects.decisions_recorded(created)
    return created


def event_record(
    application: Application,
    by: Any,
    role: str,
    action: str,
    payload: dict[str, Any],
    *,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """An audited event that does not change the status (draft edits, child records, uploads,
    letters, system reminders …), inside the caller's transaction; the applicant is told after
    commit when it concerns them."""
    return audit_record(
        application=application,
        actor=by,
        actor_role=role,
        action=action,
        from_status=application.status,
        to_status=application.status,
        payload=payload,
        at=at,
        recorded=effects.event_recorded,
        recorded_many=effects.events_recorded,
    )


def decision_record(**fields: Any) -> Decision:
    """Record a decision with legal effect; the apps that act on decisions are told in this same
    transaction (``documents`` prepares the letter, issued after the commit)."""
    decision = Decision.objects.create(**fields)
    effects.decision_recorded(decision)
    return decision


def decide_with_reasons(
    *,
    application: Application,
    by: Any,
    name: str,
    kind: str,
    reasons: str,
    reasons_message: str,
    field: str = "reason",
    committee_reference: str = "",
    meeting_at: dt.datetime | None = None,
    expected_version: int | None = None,
    guard: Callable[[Application], None] | None = None,
    details: dict[str, Any] | None = None,
) -> Decision:
    """A decision-maker transition that needs reasons and produces a ``Decision`` record
    (``details``: what its letter needs beyond the decision's fields)."""
    text = clean_text(reasons, field, reasons_message)
    at = timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name=name,
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            guard=guard,
            arguments=(lambda app: {"at": at}) if name == "reject" else None,
            payload={
                "reasons": text,
                "committee_reference": committee_reference,
                **({"meeting_at": meeting_at} if meeting_at is not None else {}),
            },
            at=at,
        )
        return decision_record(
            application=app,
            kind=kind,
            decided_by=by,
            decided_at=at,
            reasons=text,
            committee_reference=committee_reference.strip(),
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
            details=details or {},
        )
