"""The deadline sweep: the statutory clock acting by itself (DESIGN §3, §7).

Three layers, each testable alone:

- **Selectors** (``due_*``): pure reads answering "what is due at ``now``?" for one rule, as
  querysets. Each excludes what has already been done, so a second sweep finds nothing.
- **Rules** (``RULES``): a selector, the service that acts on one item, and the sentence that
  explains why, stored in the audit payload as ``rule`` (``deemed_confirmation: 30 days elapsed
  since 2026-03-02, clock paused 6 days``).
- **The runner** (``sweep``): batches of items (``batch_size``: one item at a time for a small
  sweep, up to ``SWEEP_BATCH`` for a large one), one transaction per batch, a savepoint per item.
  It locks the item's case with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's
  ``BEGIN IMMEDIATE`` serialises writers), then re-runs the selector for that one item under
  the lock; only then does it act. The batch's audit events are appended to
  the chain together as its last step (``audit.appends_at_end``: one head lock per batch). Two
  sweeps running at once therefore never act twice, a failing item is rolled back alone (its
  savepoint), a crash loses at most the batch in flight (rolled back whole, redone by the next
  sweep), and ``sweep_lock`` keeps a second scheduler from even starting while one runs.

Dates: timestamps are UTC; term dates are calendar dates in the programme's time zone, so a
waiver ending on 2027-03-01 in Seoul expires at 2027-03-02 00:00 KST (2027-03-01 15:00 UTC).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services, tally, workflow
from applications.audit import appends_at_end
from applications.models import (
    Application,
    AuditEvent,
    CaseTally,
    Consultation,
    ConsultationStatus,
    ExtensionRequest,
    LawAmendmentRequest,
    Program,
    RequestStatus,
)
from applications.models.case import REMINDER_STAGES, not_reminded_values, reminder_bit
from applications.roles import Role
from applications.vocabulary import AuditAction
from applications.workflow import IN_FORCE, RUNNING_CLOCK, TrackKind
from applications.workflow import ApplicationStatus as S
from core.errors import WrongState

logger = logging.getLogger(__name__)

REMINDER_DAYS: tuple[int, ...] = REMINDER_STAGES
AGENDA_FLAG = AuditAction.AGENDA_DEADLINE_PASSED
EXPIRY_REMINDER = AuditAction.EXPIRY_REMINDER

# --- wording of the rules ---------------------------------------------------------------------


def _span(seconds: int) -> str:
    """A paused time in words: ``6 days``, ``2 days 3 hours``, ``0 days``."""
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} day{'s' if days != 1 else ''}"]
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _local(app: Application, moment: dt.datetime | None) -> str:
    return app.program.local_date(moment).isoformat() if moment else "?"


def _local_minute(program: Program, moment: dt.datetime) -> str:
    return moment.astimezone(program.tz).strftime("%Y-%m-%d %H:%M %Z")


def describe_deemed_confirmation(app: Application, now: dt.datetime) -> str:
    return (
        f"deemed_confirmation: {workflow.statutory_days_of(app)} days elapsed since "
        f"{_local(app, app.submitted_at)}, clock paused {_span(app.clock_paused_seconds)}"
    )


def describe_supplement_lapse(app: Application, now: dt.datetime) -> str:
    assert app.supplement_due_at is not None
    return (
        f"supplement_lapse: no answer by the response deadline "
        f"{_local_minute(app.program, app.supplement_due_at)} "
        f"({app.track.supplement_response_days} days after the request)"
    )


def describe_consultation_lapse(item: Consultation, now: dt.datetime) -> str:
    app = item.application
    return (
        f"consultation_lapse: {item.ministry.code} gave no opinion within "
        f"{app.track.consultation_days} days of the request on {_local(app, item.requested_at)} "
        f"(due {_local_minute(app.program, item.due_at)}); recorded as no opinion (deemed)"
    )


def describe_expiry(app: Application, now: dt.datetime) -> str:
    return (
        f"expiry: the term ended on {app.term_end} ({app.program.time_zone}) with no extension "
        f"or law-amendment request pending"
    )


def describe_agenda_flag(app: Application, now: dt.datetime) -> str:
    return (
        f"{AGENDA_FLAG}: {app.track.agenda_days} days elapsed since "
        f"{_local(app, app.submitted_at)}, clock paused {_span(app.clock_paused_seconds)}, "
        f"not yet put to the committee"
    )


def reminder_stage(*, days_left: int) -> int | None:
    """The reminder due when ``days_left`` days remain: the smallest of 90/30/7 not below it.

    A sweep that missed the 90-day mark (say 20 days are left) sends only the 30-day reminder,
    never a stale 90-day one."""
    stages = [d for d in REMINDER_DAYS if days_left <= d]
    return min(stages) if stages and days_left >= 0 else None


def describe_expiry_reminder(app: Application, now: dt.datetime) -> str:
    assert app.term_end is not None
    days_left = (app.term_end - app.program.local_date(now)).days
    return (
        f"{EXPIRY_REMINDER}: {days_left} days before the term ends on {app.term_end} "
        f"(the {reminder_stage(days_left=days_left)}-day reminder)"
    )


# --- selectors: what is due at ``now`` ---------------------------------------------------------


# What the rules' selectors read besides the items (the programmes and their time zones, the
# tracks that require insurance …), read once per sweep rather than once per rule and item.
_sweep_reads: ContextVar[dict[str, Any] | None] = ContextVar("sweep_reads", default=None)
# The reads a selector being compiled made (``select_due`` keeps its SQL only while they give
# the same values), and each read's function, to ask again.
_reads_used: ContextVar[dict[str, Any] | None] = ContextVar("reads_used", default=None)
_read_functions: dict[str, Callable[[], Any]] = {}


def sweep_read(key: str, read: Callable[[], Any]) -> Any:
    """``read()``, once per sweep under ``key`` (every call outside a sweep reads afresh). A
    selector reads through this whatever else it depends on besides ``now`` (so that its
    compiled SQL is used again only while these reads give the same values)."""
    _read_functions[key] = read
    cache = _sweep_reads.get()
    if cache is None:
        value = read()
    else:
        if key not in cache:
            cache[key] = read()
        value = cache[key]
    used = _reads_used.get()
    if used is not None:
        used[key] = value
    return value


def programmes() -> list[Program]:
    """The programmes with their time zones (once per sweep)."""
    result: list[Program] = sweep_read(
        "programmes", lambda: list(Program.objects.only("pk", "time_zone"))
    )
    return result


def per_programme(build: Callable[[Program, dt.date], Q], now: dt.datetime, prefix: str = "") -> Q:
    """OR of one condition per programme, each with the programme's own calendar date
    (``prefix``: the path to the case, e.g. ``application__`` for a case's child rows)."""
    condition = Q(pk__in=[])
    for program in programmes():
        condition |= Q(**{f"{prefix}program_id": program.pk}) & build(
            program, program.local_date(now)
        )
    return condition


def due_deemed_confirmations(*, now: dt.datetime) -> QuerySet[Application]:
    """Fast-confirmation requests whose answer deadline passed with the clock running."""
    return Application.objects.filter(
        status__in=RUNNING_CLOCK,
        track__kind=TrackKind.CONFIRMATION,
        clock_paused_at__isnull=True,
        due_at__lte=now,
    ).exclude(track__deemed_outcome="")


def due_supplement_lapses(*, now: dt.datetime) -> QuerySet[Application]:
    """Supplement requests whose response deadline passed without an answer."""
    return Application.objects.filter(status=S.SUPPLEMENT_REQUESTED, supplement_due_at__lte=now)


def due_consultation_lapses(*, now: dt.datetime) -> QuerySet[Consultation]:
    """Opinion requests still unanswered at their deadline."""
    return Consultation.objects.filter(status=ConsultationStatus.PENDING, due_at__lte=now)


def _pending(model: type[models.Model]) -> Exists:
    return Exists(
        model._default_manager.filter(application=OuterRef("pk"), status=RequestStatus.PENDING)
    )


def due_expiries(*, now: dt.datetime) -> QuerySet[Application]:
    """Approved or active waivers whose last day has passed in their programme's time zone and
    with no extension or law-amendment request pending (a pending one keeps them in force)."""
    return (
        Application.objects.filter(status__in=IN_FORCE)
        .filter(per_programme(lambda program, today: Q(term_end__lt=today), now))
        .exclude(_pending(ExtensionRequest))
        .exclude(_pending(LawAmendmentRequest))
    )


# Where a committee's meetings are recorded in the system, a recommendation alone does not put a
# case to the committee: the case waits in ``deliberation`` until it is on the agenda of a real
# meeting. Each condition (a ``Q`` on cases, from the ``committees`` app) says which deliberation
# cases still wait; the deadline then counts against those meetings.
AgendaWait = Callable[[], Q]
_agenda_waits: list[AgendaWait] = []


def register_agenda_wait(condition: AgendaWait) -> None:
    """An app that keeps committee agendas says which ``deliberation`` cases are not yet on
    one in time (from ``AppConfig.ready``); the agenda rule flags them like cases in review."""
    if condition not in _agenda_waits:
        _agenda_waits.append(condition)


def due_agenda_flags(*, now: dt.datetime) -> QuerySet[Application]:
    """Exemption cases not put to the committee by their agenda deadline, not yet flagged: still
    in review with the clock running, or (where agendas are kept) in deliberation but on no
    meeting's agenda by the deadline."""
    waiting = Q(status__in=RUNNING_CLOCK, clock_paused_at__isnull=True)
    for condition in _agenda_waits:
        waiting |= Q(status=S.DELIBERATION) & condition()
    return Application.objects.filter(
        waiting,
        track__kind=TrackKind.EXEMPTION,
        track__agenda_days__isnull=False,
        due_at__lte=now,
    ).exclude(Exists(AuditEvent.objects.filter(application=OuterRef("pk"), action=AGENDA_FLAG)))


def _not_reminded(field: str, days: int) -> Q:
    """The case has not had the ``days`` reminder: ``field`` is one of the values without that
    stage's bit (as the partial indexes ``application_expiry_reminder_<days>`` hold them, so a
    sweep with nothing due reads none of the reminded cases)."""
    return Q(**{f"{field}__in": not_reminded_values(days)})


def _mark_reminded(apps: Sequence[Application], field: str, stages: Sequence[int]) -> None:
    """Record on the cases, in the transaction of their reminder events, that each has had the
    reminder of its stage (one ``UPDATE`` per stage)."""
    by_stage: dict[int, list[Application]] = {}
    for app, days in zip(apps, stages, strict=True):
        by_stage.setdefault(days, []).append(app)
    for days, group in by_stage.items():
        bit = reminder_bit(days)
        Application.objects.filter(pk__in=[app.pk for app in group]).update(
            **{field: F(field).bitor(bit)}
        )
        for app in group:
            setattr(app, field, getattr(app, field) | bit)


EXPIRY_REMINDERS = "expiry_reminders_sent"
CAP_REMINDERS = "continuation_reminders_sent"


def due_expiry_reminders(*, now: dt.datetime) -> QuerySet[Application]:
    """Waivers in force whose term ends within 90/30/7 days and that have not had that
    reminder yet for that end (``expiry_reminders_sent``, cleared when an extension moves the
    end: ``Application.extend``)."""

    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(term_end__gte=lower, term_end__lte=upper) & _not_reminded(
                EXPIRY_REMINDERS, days
            )
            lower = upper + dt.timedelta(days=1)
        return condition

    return Application.objects.filter(status__in=IN_FORCE).filter(per_programme(window, now))


# --- the continuation cap (FinISA: 18 months after the original end) ------------------------------

CAP_REMINDER = AuditAction.CONTINUATION_CAP_REMINDER


def due_continuation_ends(*, now: dt.datetime) -> QuerySet[Application]:
    """Continuing waivers whose capped continuation's last day has passed in their programme's
    time zone (a suspended one is decided by the decision maker first)."""
    return Application.objects.filter(status=S.CONTINUING, continuation_until__isnull=False).filter(
        per_programme(lambda program, today: Q(continuation_until__lt=today), now)
    )


def due_continuation_reminders(*, now: dt.datetime) -> QuerySet[Application]:
    """Continuing waivers whose cap falls within 90/30/7 days, not yet reminded at that stage."""

    def window(program: Program, today: dt.date) -> Q:
        condition = Q(pk__in=[])
        lower = today
        for days in sorted(REMINDER_DAYS):
            upper = today + dt.timedelta(days=days)
            condition |= Q(
                continuation_until__gte=lower, continuation_until__lte=upper
            ) & _not_reminded(CAP_REMINDERS, days)
            lower = upper + dt.timedelta(days=1)
        return condition

    return Application.objects.filter(status=S.CONTINUING, continuation_until__isnull=False).filter(
        per_programme(window, now)
    )


def describe_continuation_end(app: Application, now: dt.datetime) -> str:
    return (
        f"continuation_cap: the continuation pending law amendment was capped at "
        f"{app.continuation_until} ({app.track.continuation_cap_months} months after the "
        f"original end {app.term_end}, {app.program.time_zone}); today is {_local(app, now)}"
    )


def describe_continuation_reminder(app: Application, now: dt.datetime) -> str:
    assert app.continuation_until is not None
    days_left = (app.continuation_until - app.program.local_date(now)).days
    return (
        f"{CAP_REMINDER}: the continuation ends at its cap on {app.continuation_until}, "
        f"{days_left} days left (the {reminder_stage(days_left=days_left)}-day reminder)"
    )


def _cap_reminder_payload(app: Application, at: dt.datetime, rule: str) -> dict[str, Any]:
    assert app.continuation_until is not None
    days_left = (app.continuation_until - app.program.local_date(at)).days
    return {
        "rule": rule or CAP_REMINDER,
        "days_before": reminder_stage(days_left=days_left),
        "days_left": days_left,
        "continuation_until": app.continuation_until,
    }


def application_remind_continuation_cap(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> AuditEvent:
    """System: the applicant is reminded 90, 30 and 7 days before the continuation's cap."""
    at = now or timezone.now()
    with appends_at_end():
        app = services.application_row_lock(application)
        if (
            app.continuation_until is None
            or not due_continuation_reminders(now=at).filter(pk=app.pk).exists()
        ):
            raise WrongState(_("No continuation reminder is due for this case."))
        payload = _cap_reminder_payload(app, at, rule)
        _mark_reminded([app], CAP_REMINDERS, [payload["days_before"]])
        return _record_system_event(app, CAP_REMINDER, payload, at)


# --- services for the two rules that change no status -------------------------------------------


def _record_system_event(
    app: Application, action: str, payload: dict[str, Any], at: dt.datetime
) -> AuditEvent:
    return services.event_record(app, None, Role.SYSTEM, action, payload, at=at)


def _agenda_payload(app: Application, at: dt.datetime, rule: str) -> dict[str, Any]:
    return {"rule": rule or AGENDA_FLAG, "due_at": app.due_at}


def application_flag_agenda_overdue(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> AuditEvent:
    """System: the committee agenda deadline passed; recorded once per case (staff see it as
    overdue)."""
    at = now or timezone.now()
    with appends_at_end():
        app = services.application_row_lock(application)
        if not due_agenda_flags(now=at).filter(pk=app.pk).exists():
            raise WrongState(_("The agenda deadline has not passed, or was already flagged."))
        return _record_system_event(app, AGENDA_FLAG, _agenda_payload(app, at, rule), at)


def _expiry_reminder_payload(app: Application, at: dt.datetime, rule: str) -> dict[str, Any]:
    assert app.term_end is not None
    days_left = (app.term_end - app.program.local_date(at)).days
    return {
        "rule": rule or EXPIRY_REMINDER,
        "days_before": reminder_stage(days_left=days_left),
        "days_left": days_left,
        "term_end": app.term_end,
    }


def application_remind_expiry(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> AuditEvent:
    """System: the applicant is reminded 90, 30 and 7 days before the term ends, each once; the
    email goes out after commit, in the application's language."""
    at = now or timezone.now()
    with appends_at_end():
        app = services.application_row_lock(application)
        if app.term_end is None or not due_expiry_reminders(now=at).filter(pk=app.pk).exists():
            raise WrongState(_("No expiry reminder is due for this case."))
        payload = _expiry_reminder_payload(app, at, rule)
        _mark_reminded([app], EXPIRY_REMINDERS, [payload["days_before"]])
        return _record_system_event(app, EXPIRY_REMINDER, payload, at)


Payload = Callable[[Application, dt.datetime, str], dict[str, Any]]


def _events_many(action: str, payload: Payload, mark: str = "") -> Callable[..., object]:
    """The batch action of an event-only rule: for cases the sweep has locked and found still
    due under the lock, the event the one-case service records, one per case (and, for a
    reminder, the stage marked on the cases as ``mark``, as the one-case service does)."""

    def act_many(apps: Sequence[Application], now: dt.datetime, rules: Sequence[str]) -> None:
        with appends_at_end():
            payloads = [payload(app, now, rule) for app, rule in zip(apps, rules, strict=True)]
            if mark:
                _mark_reminded(apps, mark, [p["days_before"] for p in payloads])
            for app, data in zip(apps, payloads, strict=True):
                _record_system_event(app, action, data, now)

    return act_many


def _itself(pk: int) -> int | None:
    return pk


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One deadline: what is due, how to act on one item, and why (in words)."""

    name: str
    due: Callable[..., QuerySet[Any]]
    act: Callable[[Any, dt.datetime, str], object]
    describe: Callable[[Any, dt.datetime], str]
    case_of: Callable[[int], int | None]  # item pk -> its case's pk
    related: tuple[str, ...] = ("program", "track")
    # Optional, for large sweeps: act on many due items at once, set-based (``sweep``): given
    # the items read again under their cases' locks, ``now`` and each item's rule text, in one
    # transaction; it must leave exactly what ``act`` leaves for each item.
    act_many: Callable[[Sequence[Any], dt.datetime, Sequence[str]], object] | None = None


RULES: list[Rule] = [
    Rule(
        "supplement_lapse",
        due_supplement_lapses,
        lambda app, now, rule: services.application_lapse(application=app, now=now, rule=rule),
        describe_supplement_lapse,
        _itself,
        act_many=lambda apps, now, rules: services.applications_lapse(
            applications=apps, now=now, rules=rules
        ),
    ),
    Rule(
        "consultation_lapse",
        due_consultation_lapses,
        lambda item, now, rule: services.consultation_lapse(consultation=item, now=now, rule=rule),
        describe_consultation_lapse,
        lambda pk: (
            Consultation.objects.filter(pk=pk).values_list("application_id", flat=True).first()
        ),
        ("application__program", "application__track", "ministry"),
        act_many=lambda items, now, rules: services.consultations_lapse(
            consultations=items, now=now, rules=rules
        ),
    ),
    Rule(
        "deemed_confirmation",
        due_deemed_confirmations,
        lambda app, now, rule: services.application_deem_confirmed(
            application=app, now=now, rule=rule
        ),
        describe_deemed_confirmation,
        _itself,
        act_many=lambda apps, now, rules: services.applications_deem_confirmed(
            applications=apps, now=now, rules=rules
        ),
    ),
    Rule(
        AGENDA_FLAG,
        due_agenda_flags,
        lambda app, now, rule: application_flag_agenda_overdue(application=app, now=now, rule=rule),
        describe_agenda_flag,
        _itself,
        act_many=_events_many(AGENDA_FLAG, _agenda_payload),
    ),
    Rule(
        "expiry",
        due_expiries,
        lambda app, now, rule: services.application_expire(application=app, now=now, rule=rule),
        describe_expiry,
        _itself,
        act_many=lambda apps, now, rules: services.applications_expire(
            applications=apps, now=now, rules=rules
        ),
    ),
    Rule(
        "continuation_cap",
        due_continuation_ends,
        lambda app, now, rule: services.application_end_continuation(
            application=app, now=now, rule=rule
        ),
        describe_continuation_end,
        _itself,
        act_many=lambda apps, now, rules: services.applications_end_continuation(
            applications=apps, now=now, rules=rules
        ),
    ),
    Rule(
        CAP_REMINDER,
        due_continuation_reminders,
        lambda app, now, rule: application_remind_continuation_cap(
            application=app, now=now, rule=rule
        ),
        describe_continuation_reminder,
        _itself,
        act_many=_events_many(CAP_REMINDER, _cap_reminder_payload, CAP_REMINDERS),
    ),
    Rule(
        EXPIRY_REMINDER,
        due_expiry_reminders,
        lambda app, now, rule: application_remind_expiry(application=app, now=now, rule=rule),
        describe_expiry_reminder,
        _itself,
        act_many=_events_many(EXPIRY_REMINDER, _expiry_reminder_payload, EXPIRY_REMINDERS),
    ),
]
RULE_BY_NAME = {rule.name: rule for rule in RULES}


def register_rule(rule: Rule) -> None:
    """Apps that build on the case kernel add their deadlines here (from ``AppConfig.ready``);
    the sweep, ``run_deadlines --rule`` and the scheduler then act on them like the kernel's."""
    if rule.name in RULE_BY_NAME:
        if RULE_BY_NAME[rule.name] is not rule:
            raise ValueError(f"A deadline rule named {rule.name!r} is already registered.")
        return
    RULES.append(rule)
    RULE_BY_NAME[rule.name] = rule


# --- other work of the scheduler's tick ------------------------------------------------------------


@dataclass(frozen=True)
class TickJob:
    """Work an app asks the scheduler to do on every tick, after the sweep (``documents``:
    issue letters whose task was lost). ``run`` returns a line for the log, or "" for none."""

    name: str
    run: Callable[[], str]


TICK_JOBS: list[TickJob] = []


def register_tick_job(job: TickJob) -> None:
    if all(existing.name != job.name for existing in TICK_JOBS):
        TICK_JOBS.append(job)


# --- the runner -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    rule: str
    pk: int
    application_id: int
    label: str
    why: str


def plan(*, now: dt.datetime | None = None, rules: Sequence[Rule] = RULES) -> list[Item]:
    """Everything due at ``now``, in the order the sweep acts on it (reads only)."""
    now = now or timezone.now()
    items: list[Item] = []
    for rule in rules:
        for obj in rule.due(now=now).select_related(*rule.related).order_by("pk"):
            app = obj if isinstance(obj, Application) else obj.application
            label = app.reference or f"#{app.pk}"
            items.append(Item(rule.name, int(obj.pk), int(app.pk), label, rule.describe(obj, now)))
    return items


def due_ids(rule: Rule, *, now: dt.datetime) -> list[int]:
    return list(rule.due(now=now).order_by("pk").values_list("pk", flat=True))


# --- what is due, in one statement whose SQL is compiled once per process ----------------------


@dataclass(frozen=True)
class _Compiled:
    """One rule's selector as SQL, valid while the sweep reads in ``reads`` give the same
    values. ``now_at``: the positions of ``now`` (as the database takes it) among ``params``,
    or None until a second compilation at another ``now`` has shown which they are (``at``:
    the ``now`` of the first). ``sql`` is "" for a selector that can select nothing (Django's
    ``EmptyResultSet``)."""

    sql: str
    params: tuple[Any, ...]
    reads: tuple[tuple[str, Any], ...]
    at: Any
    now_at: tuple[int, ...] | None = None


_compiled: dict[tuple[Any, ...], _Compiled | None] = {}
_COMPILED_MAX = 1000  # entries kept before the cache starts afresh (one per rule and day)


def _adapt_now(now: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(now)


def _compile(rule: Rule, now: dt.datetime) -> _Compiled:
    """The selector's SQL and parameters at ``now`` (ids only, unordered), with the sweep
    reads it used."""
    token = _reads_used.set({})
    try:
        query = rule.due(now=now).order_by().values_list("pk", flat=True).query
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:
            sql, params = "", ()
        reads = tuple((_reads_used.get() or {}).items())
        return _Compiled(sql, tuple(params), reads, _adapt_now(now))
    finally:
        _reads_used.reset(token)


def _now_positions(first: _Compiled, second: _Compiled) -> tuple[int, ...] | None:
    """Where two compilations of a selector at two different ``now`` differ: the positions of
    the parameters equal to each one's ``now``, if they differ there and nowhere else (and in
    neither SQL nor reads); None otherwise."""
    if (first.sql, first.reads, len(first.params)) != (
        second.sql,
        second.reads,
        len(second.params),
    ):
        return None
    positions = []
    for i, (a, b) in enumerate(zip(first.params, second.params, strict=True)):
        if a == first.at and b == second.at:
            positions.append(i)
        elif a != b or a == first.at or b == second.at:
            return None
    return tuple(positions)


def _time_key(now: dt.datetime) -> tuple[Any, ...]:
    """Every calendar date a selector may derive from ``now``: UTC, the site's zone and each
    programme's own (with the programmes and their zones)."""
    return (
        now.astimezone(dt.UTC).date(),
        timezone.localdate(now),
        tuple((p.pk, p.time_zone, p.local_date(now)) for p in programmes()),
    )


def _compiled_selector(rule: Rule, now: dt.datetime) -> tuple[str, list[Any]]:
    """The rule's selector at ``now`` as SQL, compiled once per process and day where its SQL
    depends on the time only through ``now`` itself as a parameter. The first compilation is
    kept as it is; the next, at another ``now`` the same day, shows which parameters are
    ``now`` (those equal to each one's ``now``, and nothing else may differ), and from then on
    the SQL is used with ``now`` put in those places. A selector with any other dependence on
    the time is compiled at every sweep. An entry is used only on the same calendar dates and
    while the sweep reads it used (programmes, tracks …) still give the same values."""
    key = (connection.alias, connection.vendor, rule.name, id(rule.due), _time_key(now))
    entry = _compiled.get(key)
    if (
        entry is not None
        and entry.now_at is not None
        and all(sweep_read(name, _read_functions[name]) == value for name, value in entry.reads)
    ):
        params = list(entry.params)
        for position in entry.now_at:
            params[position] = _adapt_now(now)
        return entry.sql, params
    compiled = _compile(rule, now)
    if key in _compiled and entry is None:
        return compiled.sql, list(compiled.params)  # depends on the time otherwise: afresh
    if len(_compiled) >= _COMPILED_MAX:
        _compiled.clear()
    if entry is None or entry.reads != compiled.reads or entry.at == compiled.at:
        _compiled[key] = compiled  # the first (or its reads changed): wait for a second
    else:
        now_at = _now_positions(entry, compiled)
        _compiled[key] = None if now_at is None else replace(compiled, now_at=now_at)
    return compiled.sql, list(compiled.params)


def select_due(rules: Sequence[Rule], *, now: dt.datetime) -> list[list[int]]:
    """Each rule's due ids (what ``due_ids`` returns, in order), asked in one statement: the
    rules' selectors joined by ``UNION ALL``, each row tagged with its rule's position. The SQL
    of each selector is compiled once per process and day (``_compiled_selector``), so a sweep
    with nothing due costs one round trip and no query building."""
    found: list[list[int]] = [[] for _rule in rules]
    parts: list[str] = []
    params: list[Any] = []
    for i, rule in enumerate(rules):
        sql, rule_params = _compiled_selector(rule, now)
        if sql:
            parts.append(f"SELECT {i} AS sweep_rule, due.* FROM ({sql}) due")
            params.extend(rule_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for i, pk in cursor.fetchall():
                found[int(i)].append(int(pk))
    for pks in found:
        pks.sort()
    return found


# How PostgreSQL plans the sweep's "what is due?" (``_without_jit``). JIT off: the selectors'
# estimates over a large table cross its threshold, and compiling took 50 ms of a 65 ms query
# that returned nothing. Plain index scans off (bitmap scans stay): the selectors look for rows
# that are nearly always absent, and a bitmap index scan finds none as fast; with plain scans
# the planner, misjudging correlated columns (a status and a date, a status and the reminders
# sent), sometimes read a whole partial index of the waivers in force row by row instead of
# the reminder stages' indexes (docs/performance.md, "The second sweep, third round").
_SELECTION_SETTINGS = {"jit": "off", "enable_indexscan": "off"}


@contextlib.contextmanager
def _without_jit() -> Iterator[None]:
    """``_SELECTION_SETTINGS`` for this session while the sweep asks what is due, in one
    statement that also reads the session's own values, put back after in another."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(_SELECTION_SETTINGS)
    read = ", ".join("current_setting(%s)" for _name in names)
    write = ", ".join("set_config(%s, %s, false)" for _name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {read}, {write}",
            [*names, *(x for name in names for x in (name, _SELECTION_SETTINGS[name]))],
        )
        before = cursor.fetchone()[: len(names)]
        try:
            yield
        finally:
            cursor.execute(
                f"SELECT {write}", [x for pair in zip(names, before, strict=True) for x in pair]
            )


@dataclass
class SweepResult:
    started_at: dt.datetime
    done: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, int, str]] = field(default_factory=list)
    seconds: float = 0.0
    refresh_seconds: float = 0.0  # of ``seconds``: the vacuum and statistics after a large sweep

    @property
    def total(self) -> int:
        return sum(self.done.values())


DONE, GONE, BUSY, FAILED = "done", "gone", "busy", "failed"


def _lock_case(application_id: int) -> bool:
    """Lock the case row; on PostgreSQL skip it (False) when another transaction holds it."""
    skip = connection.features.has_select_for_update_skip_locked
    query = Application.objects.filter(pk=application_id).select_for_update(skip_locked=skip)
    return query.values_list("pk", flat=True).first() is not None


def run_item(rule: Rule, pk: int, *, now: dt.datetime) -> tuple[str, str]:
    """Act on one item in its own transaction (a savepoint inside a sweep's batch), re-checking
    under the case lock that it is still due. Returns (``done``/``gone``/``busy``, the rule
    text)."""
    with transaction.atomic():
        application_id = rule.case_of(pk)
        if application_id is None:
            return GONE, ""
        if not _lock_case(int(application_id)):
            return BUSY, ""
        # A separate statement after the lock, on purpose: under READ COMMITTED it sees what
        # a concurrent sweep committed before we got the lock, including events in other tables
        # (a flag or reminder changes no case row, so a combined "lock if due" query could
        # still see the old snapshot and act twice).
        obj = rule.due(now=now).select_related(*rule.related).filter(pk=pk).first()
        if obj is None:
            return GONE, ""
        why = rule.describe(obj, now)
        rule.act(obj, now, why)
        return DONE, why


SWEEP_BATCH = 100  # items per transaction (one chain-head lock, one commit) in a large sweep


def batch_size(items: int) -> int:
    """Items per transaction: up to ``SWEEP_BATCH``, and about a twentieth of the sweep, so
    that an everyday sweep of a few items still commits each on its own (its case locks held
    for one item's time) and only a large one trades that for throughput."""
    return max(1, min(SWEEP_BATCH, items // 20))


SET_CHUNK = 500  # due items of one rule per set-based transaction
SET_BASED_FROM = 200  # a sweep with fewer due items acts one item at a time


def sweep(
    *,
    now: dt.datetime | None = None,
    rules: Sequence[Rule] = RULES,
    progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
    set_based: bool | None = None,
) -> SweepResult:
    """Act on everything due at ``now``. Safe to run twice or in two processes at once: an item
    already done is no longer selected, one being done elsewhere is skipped.

    Items are worked in batches (``batch`` items, by default ``batch_size``): one transaction
    per batch whose audit events are appended to the chain together at its end (one head lock
    per batch, still one event per action), each item in a savepoint of its own, so a failing
    item is rolled back alone (its event with it) and reported while the others of the batch go
    on. A batch commits whole or not at all: an exception out of it (a crash) loses nothing
    committed before, and the next sweep redoes what did not commit.

    A large sweep (``SET_BASED_FROM`` due items or more; ``set_based`` forces either way) works
    the rules that have a batch action (``Rule.act_many``) set-based instead: chunks of up to
    ``SET_CHUNK`` items of one rule, each in one transaction that locks the chunk's cases
    (skipping those another transaction holds), reads the chunk's items again through the rule's
    selector and acts on those still due with one statement per table and one audit event per
    item (``_sweep_set``). A chunk that fails is rolled back whole and worked again one item at a
    time, so a failing item is reported alone as before."""
    started = time.monotonic()
    now = now or timezone.now()
    result = SweepResult(started_at=now)
    token = _sweep_reads.set({})
    try:
        with _without_jit():
            due = list(zip(rules, select_due(rules, now=now), strict=True))
        total = sum(len(pks) for _rule, pks in due)
        size = max(1, batch or batch_size(total))
        if set_based is None:
            set_based = total >= SET_BASED_FROM
        units: list[tuple[bool, list[tuple[Rule, int]]]] = []
        single: list[tuple[Rule, int]] = []
        for rule, pks in due:
            if set_based and rule.act_many is not None:
                units.extend(
                    (True, [(rule, pk) for pk in pks[first : first + SET_CHUNK]])
                    for first in range(0, len(pks), SET_CHUNK)
                )
            else:
                single.extend((rule, pk) for pk in pks)
        units.extend((False, single[first : first + size]) for first in range(0, len(single), size))
        finished = 0
        for as_set, chunk in units:
            outcomes = (
                _sweep_set(chunk[0][0], [pk for _rule, pk in chunk], now=now)
                if as_set
                else _sweep_batch(chunk, now=now)
            )
            for (rule, pk), (outcome, error) in zip(chunk, outcomes, strict=True):
                if outcome == FAILED:
                    result.failed.append((rule.name, pk, error))
                else:
                    (result.done if outcome == DONE else result.skipped)[rule.name] += 1
            finished += len(chunk)
            if progress is not None:
                progress(finished, total)
        # The case tally's rows of this sweep's changes and users' since the last, folded
        # (``applications.tally``: a count reads one row per combination plus those).
        tally.compact()
        if set_based and result.total >= SET_BASED_FROM:
            refresh_started = time.monotonic()
            _refresh_statistics()
            result.refresh_seconds = time.monotonic() - refresh_started
    finally:
        _sweep_reads.reset(token)
    result.seconds = time.monotonic() - started
    return result


# The tables a large sweep rewrites and the selectors read: their planner statistics are stale
# after thousands of rows changed status at once, and their indexes hold an entry for every
# row's version before the change until a vacuum.
_SELECTOR_TABLES = (Application, AuditEvent, Consultation)
_REWRITTEN_TABLES = (Application, Consultation, CaseTally)


def _refresh_statistics() -> None:
    """After a large set-based sweep, on PostgreSQL: ``VACUUM (ANALYZE)`` the tables the sweep
    rewrote and ``ANALYZE`` the trail, as autovacuum would a little later, so the next sweep's
    "is anything due?" is planned on what the tables hold now (with the old statistics it reads
    thousands of rows the sweep just moved out of its statuses) and its index scans no longer
    step over the entries of the rows' versions before the sweep (the 30,000 expired waivers'
    old entries under "approved or active" cost the expiry rule most of its time). ``ANALYZE``
    samples a fixed number of rows; the vacuum reads the pages the sweep changed. Inside a
    transaction (a test's) a vacuum cannot run: statistics only."""
    if connection.vendor != "postgresql":
        return

    def tables(kinds: Sequence[type[models.Model]]) -> str:
        return ", ".join(connection.ops.quote_name(m._meta.db_table) for m in kinds)

    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables(_SELECTOR_TABLES)}")
            return
        cursor.execute(f"VACUUM (ANALYZE) {tables(_REWRITTEN_TABLES)}")
        rest = [m for m in _SELECTOR_TABLES if m not in _REWRITTEN_TABLES]
        cursor.execute(f"ANALYZE {tables(rest)}")


def _sweep_batch(chunk: Sequence[tuple[Rule, int]], *, now: dt.datetime) -> list[tuple[str, str]]:
    """One batch in one transaction; each item's outcome and, for a failure, the error."""
    outcomes: list[tuple[str, str]] = []
    with appends_at_end():
        for rule, pk in chunk:
            try:
                outcome, _why = run_item(rule, pk, now=now)  # a savepoint inside the batch
            except Exception as error:  # one bad item must not stop the sweep; it is reported
                outcomes.append((FAILED, f"{type(error).__name__}: {error}"))
            else:
                outcomes.append((outcome, ""))
    return outcomes


def _cases_of(rule: Rule, pks: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Each item's case (its own pk for a rule on cases), read in one query."""
    model = rule.due(now=now).model
    if model is Application:
        return {pk: pk for pk in pks}
    rows = model._default_manager.filter(pk__in=pks).values_list("pk", "application_id")
    return {int(pk): int(case) for pk, case in rows if case is not None}


def _lock_cases(application_ids: Sequence[int]) -> set[int]:
    """Lock the cases' rows in one statement; on PostgreSQL those another transaction holds are
    skipped (left out of the answer)."""
    skip = connection.features.has_select_for_update_skip_locked
    query = (
        Application.objects.filter(pk__in=sorted(set(application_ids)))
        .order_by("pk")
        .select_for_update(skip_locked=skip)
    )
    return set(query.values_list("pk", flat=True))


def _items_under_lock(rule: Rule, pks: Sequence[int], now: dt.datetime) -> list[Any]:
    """A chunk's items still due, read again under their cases' locks, with the related rows the
    rule's action uses. The related rows are read by id in a query each (``prefetch_related``),
    not joined: a chunk's 500 cases share a few programmes and tracks, and joined, each case
    built its own copies of them (an eighth of a large sweep's time)."""
    query = rule.due(now=now).filter(pk__in=pks).order_by("pk")
    return list(query.prefetch_related(*rule.related))


def _sweep_set(rule: Rule, pks: Sequence[int], *, now: dt.datetime) -> list[tuple[str, str]]:
    """One rule's chunk of due items in one transaction, set-based (``Rule.act_many``): lock the
    chunk's cases, read the items again through the rule's selector (a separate statement after
    the lock, as in ``run_item``: it sees what a concurrent sweep or a user committed before the
    lock was granted), act on those still due. Items whose case is held elsewhere are ``busy``,
    items no longer due ``gone``. When the chunk fails it is rolled back whole and worked again
    one item at a time (``_sweep_batch``), which reports the failing item alone."""
    assert rule.act_many is not None
    committed: list[bool] = []
    try:
        with appends_at_end():
            transaction.on_commit(lambda: committed.append(True))  # the first after the commit
            case_of = _cases_of(rule, pks, now)
            locked = _lock_cases(list(case_of.values()))
            ready = [pk for pk in pks if case_of.get(pk) in locked]
            items = _items_under_lock(rule, ready, now)
            if items:
                rule.act_many(items, now, [rule.describe(item, now) for item in items])
    except Exception:
        if not committed:  # the chunk rolled back whole: one item at a time finds the culprit
            return _sweep_batch([(rule, pk) for pk in pks], now=now)
        # Committed; an after-commit effect (an email's task …) failed: the work stands.
        logger.exception("An after-commit effect of a %s chunk failed", rule.name)
    acted = {int(item.pk) for item in items}

    def outcome(pk: int) -> str:
        if pk in acted:
            return DONE
        return BUSY if pk in case_of and case_of[pk] not in locked else GONE

    return [(outcome(pk), "") for pk in pks]


# --- one sweep at a time ------------------------------------------------------------------------

ADVISORY_LOCK_KEY = zlib.crc32(b"sandbox.run_deadlines")


def lock_file_path() -> Path:
    return Path(getattr(settings, "SWEEP_LOCK_FILE", Path(settings.VAR_DIR) / "run_deadlines.lock"))


@contextlib.contextmanager
def sweep_lock() -> Iterator[bool]:
    """Yield True when this process may sweep, False when another sweep holds the lock.

    PostgreSQL: a session advisory lock (``pg_try_advisory_lock``), released on exit or when the
    process dies, and shared by every machine using the database. SQLite: an exclusive
    ``flock`` on a file under ``SANDBOX_VAR_DIR`` (one machine by construction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            row = cursor.fetchone()
        acquired = bool(row and row[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    path = lock_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
