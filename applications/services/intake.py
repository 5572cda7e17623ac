"""Submission and intake: submit (reference number, statutory clock), supplement requests and
their answers or lapse, acceptance as complete, and withdrawal before a decision.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import IntegrityError, connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import selectors, workflow
from applications.audit import appends_at_end
from applications.models import (
    Application,
    Program,
    ReferenceCounter,
    SupplementRequest,
)
from applications.roles import Role
from applications.services.kernel import (
    clean_text,
    require_no_conflict_declared,
    run_transition,
    run_transitions,
)
from core.errors import InvalidInput, WrongState


def _next_reference(program: Program, at: dt.datetime) -> str:
    """Gap-free per programme and year: the counter row is locked inside the submit transaction,
    so a failed submission rolls its number back. Taken under the chain head (``run_transition``'s
    ``reference``), so only the head's holder ever locks the counter."""
    year = program.local_date(at).year
    number = _counter_step(program, year)
    if number is None:  # the year's first submission creates its counter
        with contextlib.suppress(IntegrityError):  # created concurrently; it exists now
            ReferenceCounter.objects.get_or_create(program=program, year=year)
        number = _counter_step(program, year)
        assert number is not None
    return f"{program.code}-{year}-{number:05d}"


def _counter_step(program: Program, year: int) -> int | None:
    """The programme's counter for ``year`` moved on by one and locked till the commit, in one
    statement (the head's holder waits for no second round trip); ``None`` if it has no row.
    Django's ``update()`` returns no values, hence the SQL."""
    meta = ReferenceCounter._meta
    connection = connections[router.db_for_write(ReferenceCounter)]
    quoted = {f.name: connection.ops.quote_name(str(f.column)) for f in meta.concrete_fields}
    last = quoted["last_number"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {last} = {last} + 1"
            f" WHERE {quoted['program']} = %s AND {quoted['year']} = %s RETURNING {last}",
            [program.pk, year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def application_submit(
    *, application: Application, by: Any, expected_version: int | None = None
) -> Application:
    """Applicant submits: every required section present; clock starts; the reference number is
    assigned when the submission's event is appended (the block's end), under the chain head."""
    at = timezone.now()

    def guard(app: Application) -> None:
        missing = selectors.application_submission_problems(application=app)
        if missing:
            raise InvalidInput(missing)

    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name="submit",
            role=Role.APPLICANT,
            expected_version=expected_version,
            guard=guard,
            # What the company profile said at submission stays with the case (the organisation
            # is read with the locked case row).
            arguments=lambda app: {
                "at": at,
                "company_profile": selectors.company_profile_of(app.organization),
            },
            reference=lambda app: _next_reference(app.program, at),
            payload={"track": application.track.code},
            at=at,
        )
        return app


def application_request_supplement(
    *,
    application: Application,
    by: Any,
    deficiencies: Sequence[str],
    expected_version: int | None = None,
) -> Application:
    """Case officer lists what is missing; the clock pauses; the applicant gets a deadline."""
    items = workflow.conditions_cleaned(deficiencies)
    if not items:
        raise InvalidInput(
            {"deficiencies": _("List at least one thing the applicant must supply.")}
        )
    at = timezone.now()
    with appends_at_end():
        due_at = at + dt.timedelta(days=application.track.supplement_response_days)
        app = run_transition(
            application=application,
            by=by,
            name="request_supplement",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            arguments=lambda app: {"due_at": due_at},
            payload={"deficiencies": items, "due_at": due_at},
            at=at,
        )
        SupplementRequest.objects.create(
            application=app, requested_by=by, requested_at=at, deficiencies=items, due_at=due_at
        )
    return app


def application_answer_supplement(
    *, application: Application, by: Any, message: str, expected_version: int | None = None
) -> Application:
    """Applicant answers the open supplement request; the clock resumes."""
    text = clean_text(message, "message", _("Describe what you are supplying."))
    at = timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name="answer_supplement",
            role=Role.APPLICANT,
            expected_version=expected_version,
            payload={"message": text},
            at=at,
        )
        SupplementRequest.objects.filter(
            application=app, answered_at__isnull=True, lapsed_at__isnull=True
        ).update(answered_at=at, answered_by=by, answer_message=text)
    return app


def _lapse_guard(at: dt.datetime) -> Callable[[Application], None]:
    def guard(app: Application) -> None:
        if app.supplement_due_at is None or app.supplement_due_at > at:
            raise WrongState(_("The supplement response deadline has not passed."))

    return guard


def _lapse_payload(application: Application, rule: str) -> dict[str, Any]:
    return {"rule": rule or "supplement_lapse", "due_at": application.supplement_due_at}


def application_lapse(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Application:
    """System: the supplement response deadline passed without an answer → withdrawn."""
    at = now or timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=None,
            name="lapse",
            role=Role.SYSTEM,
            guard=_lapse_guard(at),
            payload=_lapse_payload(application, rule),
            at=at,
        )
        SupplementRequest.objects.filter(
            application=app, answered_at__isnull=True, lapsed_at__isnull=True
        ).update(lapsed_at=at)
    return app


def applications_lapse(
    *, applications: Sequence[Application], now: dt.datetime, rules: Sequence[str]
) -> list[Application]:
    """``application_lapse`` for many cases the caller has locked (the sweep's batch action):
    one statement per table, one event per case (``kernel.run_transitions``)."""
    rule_of = {app.pk: rule for app, rule in zip(applications, rules, strict=True)}
    with appends_at_end():
        apps = run_transitions(
            applications=applications,
            name="lapse",
            guard=_lapse_guard(now),
            payload=lambda app: _lapse_payload(app, rule_of[app.pk]),
            at=now,
        )
        SupplementRequest.objects.filter(
            application_id__in=[app.pk for app in apps],
            answered_at__isnull=True,
            lapsed_at__isnull=True,
        ).update(lapsed_at=now)
    return apps


def application_accept(
    *,
    application: Application,
    by: Any,
    no_conflict_declared: bool,
    expected_version: int | None = None,
) -> Application:
    """Case officer confirms completeness and takes the case, declaring no conflict of interest
    (a case a colleague claimed is theirs to accept; a declared conflict bars the officer:
    ``permissions.can_accept_application``)."""
    require_no_conflict_declared(no_conflict_declared)
    with appends_at_end():
        return run_transition(
            application=application,
            by=by,
            name="accept",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            arguments=lambda app: {"officer": by},
            # ``by`` may be None here (a system caller, refused as NotPermitted inside).
            payload={
                "assigned_officer": by.get_username() if by is not None else "",
                "no_conflict_declared": True,
            },
        )


def application_withdraw(
    *, application: Application, by: Any, reason: str = "", expected_version: int | None = None
) -> Application:
    """Applicant withdraws the case before a decision; the reason is optional."""
    with appends_at_end():
        return run_transition(
            application=application,
            by=by,
            name="withdraw",
            role=Role.APPLICANT,
            expected_version=expected_version,
            payload={"reason": reason.strip()},
        )
