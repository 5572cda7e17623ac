"""The term of a waiver: insurance proof, activation, extension and law-amendment requests and
their decisions, suspension, resumption, revocation, regularization and expiry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications import workflow
from applications.audit import appends_at_end
from applications.availability import require_open
from applications.models import (
    Application,
    Decision,
    DecisionKind,
    ExtensionRequest,
    InsuranceProof,
    LawAmendmentRequest,
    RequestStatus,
    TermRequest,
)
from applications.roles import Role
from applications.services.kernel import (
    application_row_lock,
    clean_text,
    decide_with_reasons,
    decision_record,
    decisions_record,
    event_record,
    require,
    require_version,
    require_visible,
    run_transition,
    run_transitions,
)
from applications.vocabulary import AuditAction
from core.dates import human_date
from core.errors import InvalidInput, WrongState


def insurance_proof_add(
    *,
    application: Application,
    by: Any,
    insurer: str,
    policy_number: str,
    coverage_start: dt.date | None,
    coverage_end: dt.date | None,
    insured_amount: int | None,
    coverage_per_person: int | None = None,
    coverage_per_accident: int | None = None,
) -> InsuranceProof:
    """Applicant files proof of liability insurance for an approved or active waiver: insurer,
    policy, period and cover (aggregate, and per person and per accident where given)."""
    problems: dict[str, str] = {}
    if not insurer.strip():
        problems["insurer"] = _("Name the insurer.")
    if not policy_number.strip():
        problems["policy_number"] = _("Give the policy number.")
    if coverage_start is None or coverage_end is None or coverage_end <= coverage_start:
        problems["coverage_end"] = _("The cover must end after it starts.")
    if not insured_amount or insured_amount <= 0:
        problems["insured_amount"] = _("Give the insured amount in won.")
    problems.update(
        workflow.cover_problems(
            aggregate=insured_amount,
            per_person=coverage_per_person,
            per_accident=coverage_per_accident,
        )
    )
    if problems:
        raise InvalidInput(problems)
    assert coverage_start is not None and coverage_end is not None and insured_amount is not None
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("add_insurance_proof", by, app)
        proof = InsuranceProof.objects.create(
            application=app,
            insurer=insurer.strip(),
            policy_number=policy_number.strip(),
            coverage_start=coverage_start,
            coverage_end=coverage_end,
            insured_amount=insured_amount,
            coverage_per_person=coverage_per_person,
            coverage_per_accident=coverage_per_accident,
            added_by=by,
            added_at=timezone.now(),
        )
        event_record(
            app,
            by,
            Role.APPLICANT,
            AuditAction.INSURANCE_PROOF_ADDED,
            {
                "insurer": proof.insurer,
                "policy_number": proof.policy_number,
                "coverage_start": coverage_start,
                "coverage_end": coverage_end,
                "insured_amount": insured_amount,
                "coverage_per_person": coverage_per_person,
                "coverage_per_accident": coverage_per_accident,
            },
        )
    return proof


def application_activate(
    *, application: Application, by: Any, expected_version: int | None = None
) -> Application:
    """Case officer starts the term; where the track requires insurance, a proof on file must
    cover the whole term."""

    def guard(app: Application) -> None:
        if not app.track.insurance_required:
            return
        covered = app.insurance_proofs.filter(
            coverage_start__lte=app.term_start, coverage_end__gte=app.term_end
        ).exists()
        if not covered:
            raise InvalidInput(
                {
                    "insurance": _(
                        "No liability insurance on file covers the term %(start)s – %(end)s."
                    )
                    % {"start": human_date(app.term_start), "end": human_date(app.term_end)}
                }
            )

    with appends_at_end():
        return run_transition(
            application=application,
            by=by,
            name="activate",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            guard=guard,
        )


def extension_request_file(
    *, application: Application, by: Any, new_end: dt.date | None, reason: str
) -> ExtensionRequest:
    """Applicant asks, before expiry, for the term to be extended within the track's limits."""
    text = clean_text(reason, "reason", _("Explain why the test needs more time."))
    if new_end is None:
        raise InvalidInput({"new_end": _("Enter the end date you are asking for.")})
    at = timezone.now()
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("request_extension", by, app)
        assert app.term_start is not None and app.term_end is not None
        if app.program.local_date(at) > app.term_end:
            raise WrongState(_("The term has already ended."))
        problems = workflow.extension_problems(
            track=app.track,
            term_start=app.term_start,
            current_end=app.term_end,
            new_end=new_end,
            used=app.extensions_used,
        )
        if problems:
            raise InvalidInput(problems)
        if app.extension_requests.filter(status=RequestStatus.PENDING).exists():
            raise WrongState(_("An extension request is already waiting for a decision."))
        request = ExtensionRequest.objects.create(
            application=app, requested_by=by, requested_at=at, new_end=new_end, reason=text
        )
        event_record(
            app,
            by,
            Role.APPLICANT,
            AuditAction.EXTENSION_REQUESTED,
            {"new_end": new_end, "reason": text},
        )
    return request


def _request_decide(
    *,
    item: TermRequest,
    by: Any,
    grant: bool,
    reason: str,
    expected_version: int | None,
    transition: str,
    decision_kind: str,
    denied_action: str,
    payload: dict[str, Any],
    already_decided: str,
    reason_needed: str,
    guard: Callable[[Application], None] | None = None,
    arguments: Callable[[Application], dict[str, Any]] | None = None,
    details: Callable[[Application], dict[str, Any]] | None = None,
) -> None:
    """What deciding an extension or a law-amendment request shares: granting takes the
    transition and records a decision (its letter follows); denying needs a reason and records
    an event. Either way the request is marked decided. Runs inside the caller's transaction."""
    at = timezone.now()
    if grant:

        def still_pending(app: Application) -> None:
            if item.status != RequestStatus.PENDING:
                raise WrongState(already_decided)
            if guard is not None:
                guard(app)

        app = run_transition(
            application=item.application,
            by=by,
            name=transition,
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            guard=still_pending,
            arguments=arguments,
            payload={**payload, "reason": reason},
            at=at,
        )
        decision_record(
            application=app,
            kind=decision_kind,
            decided_by=by,
            decided_at=at,
            reasons=reason.strip(),
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
            details=details(app) if details is not None else {},
        )
        item.status = RequestStatus.GRANTED
    else:
        text = clean_text(reason, "reason", reason_needed)
        app = application_row_lock(item.application)
        require_visible(by, app)
        require_version(app, expected_version)
        if item.status != RequestStatus.PENDING:
            raise WrongState(already_decided)
        require(perms.can_decide_in_force, by, app)
        event_record(app, by, Role.DECISION_MAKER, denied_action, {**payload, "reason": text})
        item.status = RequestStatus.DENIED
    item.decided_by, item.decided_at, item.decision_reason = by, at, reason.strip()
    item.save()


def extension_request_decide(
    *,
    extension_request: ExtensionRequest,
    by: Any,
    grant: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> ExtensionRequest:
    """Decision maker grants (the term moves; ``extend``) or denies (reason required)."""
    with appends_at_end():
        item = ExtensionRequest.objects.select_for_update().get(pk=extension_request.pk)

        def within_limits(app: Application) -> None:
            assert app.term_start is not None and app.term_end is not None
            problems = workflow.extension_problems(
                track=app.track,
                term_start=app.term_start,
                current_end=app.term_end,
                new_end=item.new_end,
                used=app.extensions_used,
                decided_on=app.program.local_date(timezone.now()),
            )
            if problems:
                raise InvalidInput(problems)

        _request_decide(
            item=item,
            by=by,
            grant=grant,
            reason=reason,
            expected_version=expected_version,
            transition="extend",
            decision_kind=DecisionKind.EXTENSION,
            denied_action=AuditAction.EXTENSION_DENIED,
            payload={"extension_request": item.pk} | ({"new_end": item.new_end} if grant else {}),
            already_decided=_("This extension request has already been decided."),
            reason_needed=_("Give the reason for denying the extension."),
            guard=within_limits,
            arguments=lambda app: {"new_end": item.new_end},
        )
    return item


def law_amendment_request_file(
    *, application: Application, by: Any, reason: str
) -> LawAmendmentRequest:
    """Applicant asks for the law to be amended, at least the track's lead days before expiry."""
    text = clean_text(reason, "reason", _("Say which law should change and why."))
    at = timezone.now()
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("request_law_amendment", by, app)
        assert app.term_end is not None
        if workflow.law_amendment_too_late(
            track=app.track, today=app.program.local_date(at), term_end=app.term_end
        ):
            raise InvalidInput(
                {
                    "reason": _(
                        "A law-amendment request must be filed at least %(days)s days before the term ends (%(end)s)."
                    )
                    % {"days": app.track.law_amendment_lead_days, "end": human_date(app.term_end)}
                }
            )
        if app.law_amendment_requests.filter(status=RequestStatus.PENDING).exists():
            raise WrongState(_("A law-amendment request is already waiting for a decision."))
        request = LawAmendmentRequest.objects.create(
            application=app, requested_by=by, requested_at=at, reason=text
        )
        event_record(app, by, Role.APPLICANT, AuditAction.LAW_AMENDMENT_REQUESTED, {"reason": text})
    return request


def law_amendment_request_decide(
    *,
    law_amendment_request: LawAmendmentRequest,
    by: Any,
    accept: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> LawAmendmentRequest:
    """Decision maker accepts (→ ``continuing``: expiry no longer applies) or rejects."""
    with appends_at_end():
        item = LawAmendmentRequest.objects.select_for_update().get(pk=law_amendment_request.pk)
        _request_decide(
            item=item,
            by=by,
            grant=accept,
            reason=reason,
            expected_version=expected_version,
            transition="request_law_amendment",
            decision_kind=DecisionKind.LAW_AMENDMENT,
            denied_action=AuditAction.LAW_AMENDMENT_REJECTED,
            payload={"law_amendment_request": item.pk},
            already_decided=_("This law-amendment request has already been decided."),
            reason_needed=_("Give the reason for rejecting the request."),
            arguments=lambda app: {
                "continuation_until": workflow.continuation_cap(
                    track=app.track, original_end=app.term_end
                )
            },
            details=lambda app: {
                "original_end": app.term_end.isoformat() if app.term_end else None,
                "continuation_until": (
                    app.continuation_until.isoformat() if app.continuation_until else None
                ),
                "cap_months": app.track.continuation_cap_months,
            },
        )
    return item


def application_suspend(
    *,
    application: Application,
    by: Any,
    reason: str,
    expected_version: int | None = None,
    kind: str = DecisionKind.SUSPENSION,
    details: dict[str, Any] | None = None,
) -> Decision:
    """Decision maker suspends an active or continuing waiver. Reached through the due-process
    procedure (``sanctions``), which its transition guard enforces."""
    return decide_with_reasons(
        application=application,
        by=by,
        name="suspend",
        kind=kind,
        reasons=reason,
        reasons_message=_("Give the reason for the suspension."),
        expected_version=expected_version,
        details=details,
    )


def application_resume(
    *,
    application: Application,
    by: Any,
    reason: str,
    expected_version: int | None = None,
    details: dict[str, Any] | None = None,
) -> Decision:
    """Decision maker lifts a suspension: the waiver returns to where it was (active, or
    continuing pending the law amendment)."""
    was = (
        Application.objects.filter(pk=application.pk)
        .values_list("suspended_from", flat=True)
        .first()
    )
    return decide_with_reasons(
        application=application,
        by=by,
        name="resume_continuing" if was == workflow.ApplicationStatus.CONTINUING else "resume",
        kind=DecisionKind.RESUMPTION,
        reasons=reason,
        reasons_message=_("Say why the suspension is lifted."),
        expected_version=expected_version,
        details=details,
    )


def application_revoke(
    *,
    application: Application,
    by: Any,
    grounds: str,
    expected_version: int | None = None,
    details: dict[str, Any] | None = None,
) -> Decision:
    """Decision maker revokes the waiver; grounds are required. Reached through the prior
    notice (``sanctions``), which its transition guard enforces."""
    return decide_with_reasons(
        application=application,
        by=by,
        name="revoke",
        kind=DecisionKind.REVOCATION,
        reasons=grounds,
        reasons_message=_("State the grounds for revocation."),
        field="grounds",
        expected_version=expected_version,
        details=details,
    )


def application_mark_suspension_ended(
    *, application: Application, now: dt.datetime | None = None, rule: str = "", **payload: Any
) -> Application:
    """System: a suspension's period ran out without a cure; the decision maker decides what
    follows (the case stays suspended)."""
    at = now or timezone.now()
    with appends_at_end():
        return run_transition(
            application=application,
            by=None,
            name="suspension_ends",
            role=Role.SYSTEM,
            payload={"rule": rule or "suspension_end", **payload},
            at=at,
        )


def application_convert(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker converts a demonstration exemption into a temporary permit, where the
    track allows it: the case moves to the conversion track (same history, same term), and the
    conversion is a new decision with its letter."""
    text = clean_text(reason, "reason", _("Say why the exemption is converted."))
    at = timezone.now()
    tracks: dict[str, str] = {}

    def into(app: Application) -> dict[str, Any]:
        target = app.track.conversion_track
        assert target is not None  # the transition's condition
        tracks.update({"from_track": app.track.code, "to_track": target.code})
        return {"track": target}

    with appends_at_end():
        app = run_transition(
            application=application,
            by=by,
            name="convert",
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            arguments=into,
            payload={"reasons": text},
            at=at,
        )
        return decision_record(
            application=app,
            kind=DecisionKind.CONVERSION,
            decided_by=by,
            decided_at=at,
            reasons=text,
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
            details=dict(tracks),
        )


def application_regularize(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker records that the amended law is in force."""
    return decide_with_reasons(
        application=application,
        by=by,
        name="regularize",
        kind=DecisionKind.REGULARIZATION,
        reasons=reason,
        reasons_message=_("Name the amended law now in force."),
        expected_version=expected_version,
    )


def _expire_guard(at: dt.datetime) -> Callable[[Application], None]:
    def guard(app: Application) -> None:
        if app.term_end is None or app.program.local_date(at) <= app.term_end:
            raise WrongState(_("The term has not ended."))
        if (
            app.extension_requests.filter(status=RequestStatus.PENDING).exists()
            or app.law_amendment_requests.filter(status=RequestStatus.PENDING).exists()
        ):
            raise WrongState(_("A pending request keeps the waiver in force until it is decided."))

    return guard


def _expires_guard(at: dt.datetime, apps: Sequence[Application]) -> Callable[[Application], None]:
    """``_expire_guard`` for many cases: the pending requests read in one query each."""
    pks = [app.pk for app in apps]
    pending = set(
        ExtensionRequest.objects.filter(
            application_id__in=pks, status=RequestStatus.PENDING
        ).values_list("application_id", flat=True)
    ) | set(
        LawAmendmentRequest.objects.filter(
            application_id__in=pks, status=RequestStatus.PENDING
        ).values_list("application_id", flat=True)
    )

    def guard(app: Application) -> None:
        if app.term_end is None or app.program.local_date(at) <= app.term_end:
            raise WrongState(_("The term has not ended."))
        if app.pk in pending:
            raise WrongState(_("A pending request keeps the waiver in force until it is decided."))

    return guard


def _expire_payload(application: Application, rule: str) -> dict[str, Any]:
    return {"rule": rule or "expiry", "term_end": application.term_end}


def _expiry_decision(app: Application, at: dt.datetime) -> dict[str, Any]:
    return {
        "application": app,
        "kind": DecisionKind.EXPIRY,
        "decided_at": at,
        "legal_basis": app.track.legal_basis,
        "term_start": app.term_start,
        "term_end": app.term_end,
    }


def application_expire(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Decision:
    """System: the term ended and no extension or law-amendment request is pending."""
    at = now or timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=None,
            name="expire",
            role=Role.SYSTEM,
            guard=_expire_guard(at),
            payload=_expire_payload(application, rule),
            at=at,
        )
        return decision_record(**_expiry_decision(app, at))


def applications_expire(
    *, applications: Sequence[Application], now: dt.datetime, rules: Sequence[str]
) -> list[Decision]:
    """``application_expire`` for many cases the caller has locked (the sweep's batch action):
    one statement per table, one event and one decision per case."""
    rule_of = {app.pk: rule for app, rule in zip(applications, rules, strict=True)}
    with appends_at_end():
        apps = run_transitions(
            applications=applications,
            name="expire",
            guard=_expires_guard(now, applications),
            payload=lambda app: _expire_payload(app, rule_of[app.pk]),
            at=now,
        )
        return decisions_record([Decision(**_expiry_decision(app, now)) for app in apps])


def _end_continuation_guard(at: dt.datetime) -> Callable[[Application], None]:
    def guard(app: Application) -> None:
        if app.continuation_until is None or app.program.local_date(at) <= app.continuation_until:
            raise WrongState(_("The continuation has not reached its cap."))

    return guard


def _end_continuation_payload(application: Application, rule: str) -> dict[str, Any]:
    return {
        "rule": rule or "continuation_cap",
        "continuation_until": application.continuation_until,
    }


def _continuation_end_decision(app: Application, at: dt.datetime) -> dict[str, Any]:
    return {
        "application": app,
        "kind": DecisionKind.CONTINUATION_END,
        "decided_at": at,
        "legal_basis": app.track.legal_basis,
        "term_start": app.term_start,
        "term_end": app.term_end,
        "details": {
            "continuation_until": (
                app.continuation_until.isoformat() if app.continuation_until else None
            )
        },
    }


def application_end_continuation(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Decision:
    """System: a continuation pending law amendment reached the track's cap; the waiver ends."""
    at = now or timezone.now()
    with appends_at_end():
        app = run_transition(
            application=application,
            by=None,
            name="end_continuation",
            role=Role.SYSTEM,
            guard=_end_continuation_guard(at),
            payload=_end_continuation_payload(application, rule),
            at=at,
        )
        return decision_record(**_continuation_end_decision(app, at))


def applications_end_continuation(
    *, applications: Sequence[Application], now: dt.datetime, rules: Sequence[str]
) -> list[Decision]:
    """``application_end_continuation`` for many cases the caller has locked (the sweep's batch
    action): one statement per table, one event and one decision per case."""
    rule_of = {app.pk: rule for app, rule in zip(applications, rules, strict=True)}
    with appends_at_end():
        apps = run_transitions(
            applications=applications,
            name="end_continuation",
            guard=_end_continuation_guard(now),
            payload=lambda app: _end_continuation_payload(app, rule_of[app.pk]),
            at=now,
        )
        return decisions_record([Decision(**_continuation_end_decision(app, now)) for app in apps])
