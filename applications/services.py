"""Every write to a case. Shape of each: one transaction → lock the row → visibility (404),
state (409), permission (403), guards (400) → transition → save → audit event.

Services take keyword-only arguments and the acting user as ``by`` (``None`` only for the
scheduler's system actions); they never take a request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from applications import effects, selectors, workflow
from applications import permissions as perms
from applications.audit import audit_record
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    ConsultationStatus,
    Decision,
    DecisionKind,
    ExtensionRequest,
    InsuranceProof,
    LawAmendmentRequest,
    Membership,
    Ministry,
    Opinion,
    Organization,
    Program,
    Recommendation,
    ReferenceCounter,
    RegulationConcerned,
    RegulationGround,
    RequestStatus,
    SupplementRequest,
    Track,
)
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from applications.workflow import ConfirmationOutcome, RecommendationOutcome
from sandbox.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState

DRAFT_FIELDS = frozenset(
    {
        "title",
        "summary",
        "service_description",
        "technology_description",
        "development_stage",
        "user_benefit",
        "business_model",
        "requested_start",
        "requested_term_days",
        "region",
        "scale",
        "max_users",
        "test_plan",
        "safety_plan",
        "user_protection",
        "data_protection",
        "exit_plan",
        "insurance_plan",
        "insurer",
        "insured_amount",
        "declaration_truthful",
        "declaration_consent",
        "language",
    }
)


# --- plumbing --------------------------------------------------------------------------


def application_row_lock(application: Application) -> Application:
    """The case row, locked for this transaction (every write to a case starts here)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program", "track")
        .get(pk=application.pk)
    )


def _require_visible(by: Any, application: Application) -> None:
    if by is not None and not perms.can_view_application(by, application):
        raise NotVisible(_("No such application."))


def _require_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and application.version != expected_version:
        raise StaleVersion(
            _(
                "This case changed since you opened it (it is now %(status)s). "
                "Reload the page to see the changes, then try again."
            )
            % {"status": application.get_status_display()}
        )


def _require(predicate: perms.Predicate, by: Any, obj: Any) -> None:
    if not predicate(by, obj):
        raise NotPermitted(_("You are not allowed to do this on this case."))


def _require_no_conflict_declared(declared: bool) -> None:
    if not declared:
        raise InvalidInput(
            {
                "no_conflict_declared": _(
                    "Declare that you have no conflict of interest in this case."
                )
            }
        )


def _refresh_caller_copy(application: Application, app: Application) -> None:
    """The caller's object takes the values of the locked, saved row (the service's result)."""
    application.__dict__.update({k: v for k, v in app.__dict__.items() if not k.startswith("_")})


def _clean_text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field: message})
    return text


def _run_transition(
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
) -> Application:
    """The one path through which ``status`` changes. Must run inside ``transaction.atomic``."""
    at = at or timezone.now()
    app = application_row_lock(application)
    _require_visible(by, app)
    _require_version(app, expected_version)
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
    if guard is not None:
        guard(app)
    source = app.status
    method(**(arguments(app) if arguments else {}))
    app.clock_follow(source, app.status, at)
    app.version += 1
    app.save()
    event = audit_record(
        application=app,
        actor=by,
        actor_role=role,
        action=name,
        from_status=source,
        to_status=app.status,
        payload=payload,
        at=at,
    )
    _after_commit_event(event.pk)
    _refresh_caller_copy(application, app)
    return app


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
    event = audit_record(
        application=application,
        actor=by,
        actor_role=role,
        action=action,
        from_status=application.status,
        to_status=application.status,
        payload=payload,
        at=at,
    )
    _after_commit_event(event.pk)
    return event


def _after_commit_event(event_id: int) -> None:
    transaction.on_commit(lambda: effects.event_recorded(event_id=event_id))


def _decision(**fields: Any) -> Decision:
    """Record a decision and, in the same transaction, its pending letter; the letter is
    rendered and sealed after the transaction commits."""
    from documents.services import letter_prepare  # imported late: documents builds on us

    decision = Decision.objects.create(**fields)
    letter_prepare(decision=decision)
    transaction.on_commit(lambda: effects.decision_recorded(decision_id=decision.pk))
    return decision


# --- drafts ------------------------------------------------------------------------------


def _validate_draft_fields(track: Track, fields: dict[str, Any]) -> None:
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(
            {name: _("This field cannot be set on an application.") for name in unknown}
        )
    if "title" in fields and not str(fields["title"] or "").strip():
        raise InvalidInput({"title": _("Give the application a title.")})
    if "requested_term_days" in fields:
        problem = workflow.requested_term_problem(track=track, days=fields["requested_term_days"])
        if problem:
            raise InvalidInput({"requested_term_days": problem})


def application_create_draft(
    *,
    by: Any,
    organization: Organization,
    program: Program | None,
    track: Track | None,
    **fields: Any,
) -> Application:
    """An applicant starts a draft under one track of one programme; nothing is checked for
    completeness until submission."""
    if not perms.can_act_for_applicant(by, Application(organization=organization)):
        raise NotPermitted(_("Only members of the organisation can apply on its behalf."))
    if program is None or not program.is_active:
        raise InvalidInput({"program": _("Choose a programme that is accepting applications.")})
    if track is None or track.program_id != program.pk or not track.is_active:
        raise InvalidInput({"track": _("Choose one of the tracks of the chosen programme.")})
    _validate_draft_fields(track, fields)
    fields.setdefault("language", organization.language)
    with transaction.atomic():
        app = Application(
            program=program, track=track, organization=organization, created_by=by, **fields
        )
        app.full_clean(exclude=["status"], validate_unique=False)
        app.save()
        event_record(app, by, Role.APPLICANT, "draft_created", {"track": track.code})
    return app


def application_update_draft(
    *, application: Application, by: Any, expected_version: int | None = None, **fields: Any
) -> Application:
    """Save part of a draft (one step of the form); only drafts can be edited."""
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        _require_version(app, expected_version)
        if app.status != S.DRAFT:
            raise WrongState(_("Only drafts can be edited; this case is already submitted."))
        _require(perms.can_act_for_applicant, by, app)
        _validate_draft_fields(app.track, fields)
        changed = sorted(k for k, v in fields.items() if getattr(app, k) != v)
        for key, value in fields.items():
            setattr(app, key, value)
        app.full_clean(exclude=["status"], validate_unique=False)
        if changed:
            app.version += 1
            app.save()
            event_record(app, by, Role.APPLICANT, "draft_updated", {"fields": changed})
    return app


def regulation_add(
    *,
    application: Application,
    by: Any,
    statute: str,
    article: str,
    reason: str,
    competent_ministry: Ministry | None = None,
    requirement: str = "",
    ground: str = "",
) -> RegulationConcerned:
    """Add a regulation that blocks the service to a draft."""
    problems: dict[str, str] = {}
    if not statute.strip():
        problems["statute"] = _("Name the statute, e.g. the Electronic Financial Transactions Act.")
    if not article.strip():
        problems["article"] = _("Name the article, e.g. Art. 28(1).")
    if not reason.strip():
        problems["reason"] = _("Explain why this regulation blocks the service.")
    if ground and ground not in RegulationGround.values:
        problems["ground"] = _("Choose one of the listed grounds.")
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        if app.status != S.DRAFT:
            raise WrongState(_("Only drafts can be edited; this case is already submitted."))
        _require(perms.can_act_for_applicant, by, app)
        position = app.regulations.count() + 1
        regulation = RegulationConcerned.objects.create(
            application=app,
            position=position,
            statute=statute.strip(),
            article=article.strip(),
            reason=reason.strip(),
            competent_ministry=competent_ministry,
            requirement=requirement.strip(),
            ground=ground,
        )
        event_record(
            app, by, Role.APPLICANT, "regulation_added", {"statute": statute, "article": article}
        )
    return regulation


def regulation_remove(*, regulation: RegulationConcerned, by: Any) -> None:
    with transaction.atomic():
        app = application_row_lock(regulation.application)
        _require_visible(by, app)
        if app.status != S.DRAFT:
            raise WrongState(_("Only drafts can be edited; this case is already submitted."))
        _require(perms.can_act_for_applicant, by, app)
        payload = {"statute": regulation.statute, "article": regulation.article}
        RegulationConcerned.objects.filter(pk=regulation.pk, application=app).delete()
        event_record(app, by, Role.APPLICANT, "regulation_removed", payload)


# --- submission and intake -----------------------------------------------------------------


def _next_reference(program: Program, at: dt.datetime) -> str:
    """Gap-free per programme and year: the counter row is locked inside the submit transaction,
    so a failed submission rolls its number back."""
    year = program.local_date(at).year
    with contextlib.suppress(IntegrityError):  # created concurrently; it exists now
        ReferenceCounter.objects.get_or_create(program=program, year=year)
    counter = ReferenceCounter.objects.select_for_update().get(program=program, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{program.code}-{year}-{counter.last_number:05d}"


def application_submit(
    *, application: Application, by: Any, expected_version: int | None = None
) -> Application:
    """Applicant submits: every required section present; reference assigned; clock starts."""
    at = timezone.now()

    def guard(app: Application) -> None:
        missing = selectors.application_submission_problems(application=app)
        if missing:
            raise InvalidInput(missing)

    with transaction.atomic():
        return _run_transition(
            application=application,
            by=by,
            name="submit",
            role=Role.APPLICANT,
            expected_version=expected_version,
            guard=guard,
            arguments=lambda app: {"at": at, "reference": _next_reference(app.program, at)},
            payload={"track": application.track.code},
            at=at,
        )


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
    with transaction.atomic():
        due_at = at + dt.timedelta(days=application.track.supplement_response_days)
        app = _run_transition(
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
    text = _clean_text(message, "message", _("Describe what you are supplying."))
    at = timezone.now()
    with transaction.atomic():
        app = _run_transition(
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


def application_lapse(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Application:
    """System: the supplement response deadline passed without an answer → withdrawn."""
    at = now or timezone.now()

    def guard(app: Application) -> None:
        if app.supplement_due_at is None or app.supplement_due_at > at:
            raise WrongState(_("The supplement response deadline has not passed."))

    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=None,
            name="lapse",
            role=Role.SYSTEM,
            guard=guard,
            payload={
                "rule": rule or "supplement_lapse",
                "due_at": application.supplement_due_at,
            },
            at=at,
        )
        SupplementRequest.objects.filter(
            application=app, answered_at__isnull=True, lapsed_at__isnull=True
        ).update(lapsed_at=at)
    return app


def application_accept(
    *,
    application: Application,
    by: Any,
    no_conflict_declared: bool,
    expected_version: int | None = None,
) -> Application:
    """Case officer confirms completeness and takes the case, declaring no conflict of interest."""
    _require_no_conflict_declared(no_conflict_declared)
    with transaction.atomic():
        return _run_transition(
            application=application,
            by=by,
            name="accept",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            guard=lambda app: _accept_guard(app, by),
            arguments=lambda app: {"officer": by},
            # ``by`` may be None here (a system caller, refused as NotPermitted inside).
            payload={
                "assigned_officer": by.get_username() if by is not None else "",
                "no_conflict_declared": True,
            },
        )


def _accept_guard(app: Application, by: Any) -> None:
    """A case claimed by a colleague is theirs to accept; a declared conflict bars the officer."""
    if app.assigned_officer_id not in (None, by.pk):
        raise NotPermitted(_("This case is assigned to another officer."))
    _refuse_conflicted(app, by)


# --- fast confirmation ---------------------------------------------------------------------


def application_answer_confirmation(
    *,
    application: Application,
    by: Any,
    outcome: str,
    permits: str = "",
    competent_authority: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Case officer answers a fast-confirmation request (no regulation / regulation applies)."""
    if outcome not in (ConfirmationOutcome.NO_REGULATION, ConfirmationOutcome.REGULATION_APPLIES):
        raise InvalidInput({"outcome": _("Choose whether a regulation applies.")})
    if outcome == ConfirmationOutcome.REGULATION_APPLIES and not permits.strip():
        raise InvalidInput({"permits": _("Name the permits or regulations that apply.")})
    at = timezone.now()
    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=by,
            name="answer_confirmation",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            arguments=lambda app: {"outcome": outcome, "at": at},
            payload={
                "outcome": outcome,
                "permits": permits,
                "competent_authority": competent_authority,
            },
            at=at,
        )
        return _decision(
            application=app,
            kind=DecisionKind.CONFIRMATION,
            decided_by=by,
            decided_at=at,
            confirmation_outcome=outcome,
            permits=permits.strip(),
            competent_authority=competent_authority.strip(),
            reasons=reasons.strip(),
            legal_basis=app.track.legal_basis,
        )


def application_deem_confirmed(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Decision:
    """System: the answer deadline passed in silence; the track's deemed outcome applies."""
    at = now or timezone.now()

    def guard(app: Application) -> None:
        if not app.track.deemed_outcome:
            raise WrongState(_("This track has no deemed outcome."))
        if app.due_at is None or app.clock_paused_at is not None or app.due_at > at:
            raise WrongState(_("The answer deadline has not passed."))

    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=None,
            name="deem_confirmed",
            role=Role.SYSTEM,
            guard=guard,
            arguments=lambda app: {"outcome": app.track.deemed_outcome, "at": at},
            payload={"rule": rule or "deemed_confirmation", "due_at": application.due_at},
            at=at,
        )
        return _decision(
            application=app,
            kind=DecisionKind.DEEMED_CONFIRMATION,
            decided_at=at,
            confirmation_outcome=app.track.deemed_outcome,
            legal_basis=app.track.legal_basis,
        )


# --- consultations -------------------------------------------------------------------------


def consultation_request(
    *,
    application: Application,
    by: Any,
    ministries: Iterable[Ministry],
    question: str,
    expected_version: int | None = None,
) -> list[Consultation]:
    """The assigned officer asks related ministries for an opinion, each with a deadline."""
    targets = list(dict.fromkeys(ministries))
    if not targets:
        raise InvalidInput({"ministries": _("Choose at least one ministry to consult.")})
    text = _clean_text(question, "question", _("Write the question for the consulted ministries."))
    at = timezone.now()
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        _require_version(app, expected_version)
        if app.status != S.UNDER_REVIEW:
            raise WrongState(
                _("Consultations can only be requested while the case is under review.")
            )
        _require(perms.can_request_consultation, by, app)
        if any(m.pk == app.program.lead_ministry_id for m in targets):
            raise InvalidInput({"ministries": _("The lead ministry cannot consult itself.")})
        pending = set(
            app.consultations.filter(status=ConsultationStatus.PENDING).values_list(
                "ministry_id", flat=True
            )
        )
        already = [m for m in targets if m.pk in pending]
        if already:
            raise InvalidInput(
                {
                    "ministries": _("An opinion request to %(ministry)s is already open.")
                    % {"ministry": already[0].code}
                }
            )
        due_at = at + dt.timedelta(days=app.track.consultation_days)
        created = [
            Consultation.objects.create(
                application=app,
                ministry=m,
                requested_by=by,
                requested_at=at,
                due_at=due_at,
                question=text,
            )
            for m in targets
        ]
        app.version += 1
        app.save(update_fields=["version", "updated_at"])
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            "consultation_requested",
            {"ministries": [m.code for m in targets], "due_at": due_at},
        )
    return created


def consultation_answer(
    *,
    consultation: Consultation,
    by: Any,
    opinion: str,
    reasons: str = "",
    expected_version: int | None = None,
) -> Consultation:
    """A consultee of the addressed ministry gives its opinion, with reasons where it objects or
    sets conditions."""
    if opinion not in (Opinion.AGREE, Opinion.AGREE_WITH_CONDITIONS, Opinion.OBJECT):
        raise InvalidInput({"opinion": _("Choose agree, agree with conditions, or object.")})
    if opinion != Opinion.AGREE and not reasons.strip():
        raise InvalidInput({"reasons": _("Give the conditions or the reasons for objecting.")})
    at = timezone.now()
    with transaction.atomic():
        app = application_row_lock(consultation.application)
        _require_visible(by, app)
        _require_version(app, expected_version)
        item = Consultation.objects.select_for_update().get(pk=consultation.pk)
        _require(perms.can_answer_consultation, by, item)
        if item.status != ConsultationStatus.PENDING:
            raise WrongState(_("This opinion request is no longer open."))
        item.status, item.opinion, item.reasons = (
            ConsultationStatus.ANSWERED,
            opinion,
            reasons.strip(),
        )
        item.answered_by, item.answered_at = by, at
        item.save()
        event_record(
            app,
            by,
            Role.CONSULTEE,
            "consultation_answered",
            {"ministry": item.ministry.code, "opinion": opinion, "reasons": item.reasons},
        )
    return item


def _lapse_consultation(
    app: Application, item: Consultation, at: dt.datetime, rule: str = ""
) -> None:
    item.status, item.opinion, item.answered_at = (
        ConsultationStatus.LAPSED,
        Opinion.NO_OPINION_DEEMED,
        at,
    )
    item.save()
    event = audit_record(
        application=app,
        actor=None,
        actor_role=Role.SYSTEM,
        action="consultation_lapsed",
        from_status=app.status,
        to_status=app.status,
        payload={
            "ministry": item.ministry.code,
            "rule": rule or "consultation_lapse",
            "due_at": item.due_at,
        },
        at=at,
    )
    _after_commit_event(event.pk)


def consultation_lapse(
    *, consultation: Consultation, now: dt.datetime | None = None, rule: str = ""
) -> Consultation:
    """System: no opinion by the deadline is recorded as "no opinion (deemed)"."""
    at = now or timezone.now()
    with transaction.atomic():
        app = application_row_lock(consultation.application)
        item = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if item.status != ConsultationStatus.PENDING or item.due_at > at:
            raise WrongState(_("This opinion request is not overdue."))
        _lapse_consultation(app, item, at, rule)
    return item


# --- recommendation and committee decision ---------------------------------------------------


def application_recommend(
    *,
    application: Application,
    by: Any,
    outcome: str,
    proposed_term_days: int | None = None,
    proposed_conditions: Sequence[str] = (),
    legal_basis: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> Recommendation:
    """Assigned officer recommends and puts the case to the committee; every consultation must
    be answered (overdue ones are recorded as lapsed here)."""
    if outcome not in RecommendationOutcome.values:
        raise InvalidInput({"outcome": _("Recommend approval or rejection.")})
    conditions = workflow.conditions_cleaned(proposed_conditions)
    at = timezone.now()

    def guard(app: Application) -> None:
        if outcome == RecommendationOutcome.APPROVE:
            problem = workflow.requested_term_problem(track=app.track, days=proposed_term_days)
            if proposed_term_days is None:
                problem = _("Propose a term for the waiver.")
            if problem:
                raise InvalidInput({"proposed_term_days": problem})
        elif not reasons.strip():
            raise InvalidInput({"reasons": _("Give the reasons for recommending rejection.")})
        for item in app.consultations.select_for_update().filter(status=ConsultationStatus.PENDING):
            if item.due_at > at:
                raise InvalidInput(
                    {
                        "consultations": _("The opinion of %(ministry)s is awaited until %(due)s.")
                        % {
                            "ministry": item.ministry.code,
                            "due": app.program.local_date(item.due_at),
                        }
                    }
                )
            _lapse_consultation(app, item, at)

    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=by,
            name="recommend",
            role=Role.CASE_OFFICER,
            expected_version=expected_version,
            guard=guard,
            payload={
                "outcome": outcome,
                "proposed_term_days": proposed_term_days,
                "proposed_conditions": conditions,
                "legal_basis": legal_basis,
                "reasons": reasons,
            },
            at=at,
        )
        return Recommendation.objects.create(
            application=app,
            officer=by,
            created_at=at,
            outcome=outcome,
            proposed_term_days=proposed_term_days,
            proposed_conditions=conditions,
            legal_basis=legal_basis.strip(),
            reasons=reasons.strip(),
        )


def application_approve(
    *,
    application: Application,
    by: Any,
    committee_reference: str,
    term_start: dt.date | None,
    term_end: dt.date | None,
    conditions: Sequence[str] = (),
    exempted_provisions: Sequence[str] = (),
    legal_basis: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Decision maker (not the recommender) approves with a committee reference, a term within
    the track maximum, and numbered conditions."""
    reference = _clean_text(
        committee_reference, "committee_reference", _("Give the committee meeting reference.")
    )
    items = workflow.conditions_cleaned(conditions)
    at = timezone.now()

    def guard(app: Application) -> None:
        problems = workflow.term_problems(track=app.track, start=term_start, end=term_end)
        if problems:
            raise InvalidInput(problems)

    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=by,
            name="approve",
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            guard=guard,
            arguments=lambda app: {"at": at, "term_start": term_start, "term_end": term_end},
            payload={
                "committee_reference": reference,
                "term_start": term_start,
                "term_end": term_end,
                "conditions": items,
            },
            at=at,
        )
        exempted = list(exempted_provisions) or [
            f"{r.statute} {r.article}" for r in app.regulations.all()
        ]
        return _decision(
            application=app,
            kind=DecisionKind.APPROVAL,
            decided_by=by,
            decided_at=at,
            committee_reference=reference,
            legal_basis=legal_basis.strip() or app.track.legal_basis,
            term_start=term_start,
            term_end=term_end,
            conditions=items,
            exempted_provisions=exempted,
        )


def _decide(
    *,
    application: Application,
    by: Any,
    name: str,
    kind: str,
    reasons: str,
    reasons_message: str,
    field: str = "reason",
    committee_reference: str = "",
    expected_version: int | None = None,
    guard: Callable[[Application], None] | None = None,
) -> Decision:
    """A decision-maker transition that needs reasons and produces a ``Decision`` record."""
    text = _clean_text(reasons, field, reasons_message)
    at = timezone.now()
    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=by,
            name=name,
            role=Role.DECISION_MAKER,
            expected_version=expected_version,
            guard=guard,
            arguments=(lambda app: {"at": at}) if name == "reject" else None,
            payload={"reasons": text, "committee_reference": committee_reference},
            at=at,
        )
        return _decision(
            application=app,
            kind=kind,
            decided_by=by,
            decided_at=at,
            reasons=text,
            committee_reference=committee_reference.strip(),
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
        )


def application_reject(
    *,
    application: Application,
    by: Any,
    reasons: str,
    committee_reference: str = "",
    expected_version: int | None = None,
) -> Decision:
    """Decision maker rejects; reasons are required (they go into the letter)."""
    return _decide(
        application=application,
        by=by,
        name="reject",
        kind=DecisionKind.REJECTION,
        reasons=reasons,
        reasons_message=_("Give the reasons for the rejection."),
        field="reasons",
        committee_reference=committee_reference,
        expected_version=expected_version,
    )


def application_remand(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker sends the case back to review; the statutory clock resumes."""
    return _decide(
        application=application,
        by=by,
        name="remand",
        kind=DecisionKind.REMAND,
        reasons=reason,
        reasons_message=_("Say what the review must look at again."),
        expected_version=expected_version,
    )


def application_request_reconsideration(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Application:
    """Applicant asks for reconsideration of a rejection within the track's window."""
    text = _clean_text(reason, "reason", _("Explain why the decision should be reconsidered."))
    at = timezone.now()

    def guard(app: Application) -> None:
        window_end = (app.decided_at or at) + dt.timedelta(days=app.track.reconsideration_days)
        if at > window_end:
            raise InvalidInput(
                {
                    "reason": _("The reconsideration window closed on %(date)s.")
                    % {"date": app.program.local_date(window_end)}
                }
            )

    with transaction.atomic():
        return _run_transition(
            application=application,
            by=by,
            name="request_reconsideration",
            role=Role.APPLICANT,
            expected_version=expected_version,
            guard=guard,
            payload={"reason": text},
            at=at,
        )


# --- the term: insurance, activation, extension, law amendment, suspension ----------------------


def insurance_proof_add(
    *,
    application: Application,
    by: Any,
    insurer: str,
    policy_number: str,
    coverage_start: dt.date | None,
    coverage_end: dt.date | None,
    insured_amount: int | None,
) -> InsuranceProof:
    """Applicant files proof of liability insurance for an approved or active waiver."""
    problems: dict[str, str] = {}
    if not insurer.strip():
        problems["insurer"] = _("Name the insurer.")
    if not policy_number.strip():
        problems["policy_number"] = _("Give the policy number.")
    if coverage_start is None or coverage_end is None or coverage_end <= coverage_start:
        problems["coverage_end"] = _("The cover must end after it starts.")
    if not insured_amount or insured_amount <= 0:
        problems["insured_amount"] = _("Give the insured amount in won.")
    if problems:
        raise InvalidInput(problems)
    assert coverage_start is not None and coverage_end is not None and insured_amount is not None
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        if app.status not in (S.APPROVED, S.ACTIVE, S.SUSPENDED, S.CONTINUING):
            raise WrongState(_("Insurance proof is filed after approval."))
        _require(perms.can_add_insurance_proof, by, app)
        proof = InsuranceProof.objects.create(
            application=app,
            insurer=insurer.strip(),
            policy_number=policy_number.strip(),
            coverage_start=coverage_start,
            coverage_end=coverage_end,
            insured_amount=insured_amount,
            added_by=by,
            added_at=timezone.now(),
        )
        event_record(
            app,
            by,
            Role.APPLICANT,
            "insurance_proof_added",
            {
                "insurer": proof.insurer,
                "policy_number": proof.policy_number,
                "coverage_start": coverage_start,
                "coverage_end": coverage_end,
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
                    % {"start": app.term_start, "end": app.term_end}
                }
            )

    with transaction.atomic():
        return _run_transition(
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
    text = _clean_text(reason, "reason", _("Explain why the test needs more time."))
    if new_end is None:
        raise InvalidInput({"new_end": _("Enter the end date you are asking for.")})
    at = timezone.now()
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        if app.status not in workflow.IN_FORCE:
            raise WrongState(_("Only an approved or active waiver can be extended."))
        _require(perms.can_request_extension, by, app)
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
            app, by, Role.APPLICANT, "extension_requested", {"new_end": new_end, "reason": text}
        )
    return request


def extension_request_decide(
    *,
    extension_request: ExtensionRequest,
    by: Any,
    grant: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> ExtensionRequest:
    """Decision maker grants (the term moves; ``extend``) or denies (reason required)."""
    at = timezone.now()
    with transaction.atomic():
        item = ExtensionRequest.objects.select_for_update().get(pk=extension_request.pk)
        if grant:

            def guard(app: Application) -> None:
                if item.status != RequestStatus.PENDING:
                    raise WrongState(_("This extension request has already been decided."))
                assert app.term_start is not None and app.term_end is not None
                problems = workflow.extension_problems(
                    track=app.track,
                    term_start=app.term_start,
                    current_end=app.term_end,
                    new_end=item.new_end,
                    used=app.extensions_used,
                )
                if problems:
                    raise InvalidInput(problems)

            app = _run_transition(
                application=item.application,
                by=by,
                name="extend",
                role=Role.DECISION_MAKER,
                expected_version=expected_version,
                guard=guard,
                arguments=lambda app: {"new_end": item.new_end},
                payload={"extension_request": item.pk, "new_end": item.new_end, "reason": reason},
                at=at,
            )
            _decision(
                application=app,
                kind=DecisionKind.EXTENSION,
                decided_by=by,
                decided_at=at,
                reasons=reason.strip(),
                legal_basis=app.track.legal_basis,
                term_start=app.term_start,
                term_end=app.term_end,
            )
            item.status = RequestStatus.GRANTED
        else:
            text = _clean_text(reason, "reason", _("Give the reason for denying the extension."))
            app = application_row_lock(item.application)
            _require_visible(by, app)
            _require_version(app, expected_version)
            if item.status != RequestStatus.PENDING:
                raise WrongState(_("This extension request has already been decided."))
            _require(perms.can_decide_in_force, by, app)
            event_record(
                app,
                by,
                Role.DECISION_MAKER,
                "extension_denied",
                {"extension_request": item.pk, "reason": text},
            )
            item.status = RequestStatus.DENIED
        item.decided_by, item.decided_at, item.decision_reason = by, at, reason.strip()
        item.save()
    return item


def law_amendment_request_file(
    *, application: Application, by: Any, reason: str
) -> LawAmendmentRequest:
    """Applicant asks for the law to be amended, at least the track's lead days before expiry."""
    text = _clean_text(reason, "reason", _("Say which law should change and why."))
    at = timezone.now()
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        if app.status != S.ACTIVE:
            raise WrongState(_("A law amendment can be requested while the waiver is active."))
        _require(perms.can_request_law_amendment, by, app)
        assert app.term_end is not None
        if workflow.law_amendment_too_late(
            track=app.track, today=app.program.local_date(at), term_end=app.term_end
        ):
            raise InvalidInput(
                {
                    "reason": _(
                        "A law-amendment request must be filed at least %(days)s days before the term ends (%(end)s)."
                    )
                    % {"days": app.track.law_amendment_lead_days, "end": app.term_end}
                }
            )
        if app.law_amendment_requests.filter(status=RequestStatus.PENDING).exists():
            raise WrongState(_("A law-amendment request is already waiting for a decision."))
        request = LawAmendmentRequest.objects.create(
            application=app, requested_by=by, requested_at=at, reason=text
        )
        event_record(app, by, Role.APPLICANT, "law_amendment_requested", {"reason": text})
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
    at = timezone.now()
    with transaction.atomic():
        item = LawAmendmentRequest.objects.select_for_update().get(pk=law_amendment_request.pk)
        if accept:

            def guard(app: Application) -> None:
                if item.status != RequestStatus.PENDING:
                    raise WrongState(_("This law-amendment request has already been decided."))

            app = _run_transition(
                application=item.application,
                by=by,
                name="request_law_amendment",
                role=Role.DECISION_MAKER,
                expected_version=expected_version,
                guard=guard,
                payload={"law_amendment_request": item.pk, "reason": reason},
                at=at,
            )
            _decision(
                application=app,
                kind=DecisionKind.LAW_AMENDMENT,
                decided_by=by,
                decided_at=at,
                reasons=reason.strip(),
                legal_basis=app.track.legal_basis,
                term_start=app.term_start,
                term_end=app.term_end,
            )
            item.status = RequestStatus.GRANTED
        else:
            text = _clean_text(reason, "reason", _("Give the reason for rejecting the request."))
            app = application_row_lock(item.application)
            _require_visible(by, app)
            _require_version(app, expected_version)
            if item.status != RequestStatus.PENDING:
                raise WrongState(_("This law-amendment request has already been decided."))
            _require(perms.can_decide_in_force, by, app)
            event_record(
                app,
                by,
                Role.DECISION_MAKER,
                "law_amendment_rejected",
                {"law_amendment_request": item.pk, "reason": text},
            )
            item.status = RequestStatus.DENIED
        item.decided_by, item.decided_at, item.decision_reason = by, at, reason.strip()
        item.save()
    return item


def application_suspend(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker suspends an active waiver."""
    return _decide(
        application=application,
        by=by,
        name="suspend",
        kind=DecisionKind.SUSPENSION,
        reasons=reason,
        reasons_message=_("Give the reason for the suspension."),
        expected_version=expected_version,
    )


def application_resume(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker lifts a suspension."""
    return _decide(
        application=application,
        by=by,
        name="resume",
        kind=DecisionKind.RESUMPTION,
        reasons=reason,
        reasons_message=_("Say why the suspension is lifted."),
        expected_version=expected_version,
    )


def application_revoke(
    *, application: Application, by: Any, grounds: str, expected_version: int | None = None
) -> Decision:
    """Decision maker revokes the waiver; grounds are required."""
    return _decide(
        application=application,
        by=by,
        name="revoke",
        kind=DecisionKind.REVOCATION,
        reasons=grounds,
        reasons_message=_("State the grounds for revocation."),
        field="grounds",
        expected_version=expected_version,
    )


def application_regularize(
    *, application: Application, by: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """Decision maker records that the amended law is in force."""
    return _decide(
        application=application,
        by=by,
        name="regularize",
        kind=DecisionKind.REGULARIZATION,
        reasons=reason,
        reasons_message=_("Name the amended law now in force."),
        expected_version=expected_version,
    )


def application_expire(
    *, application: Application, now: dt.datetime | None = None, rule: str = ""
) -> Decision:
    """System: the term ended and no extension or law-amendment request is pending."""
    at = now or timezone.now()

    def guard(app: Application) -> None:
        if app.term_end is None or app.program.local_date(at) <= app.term_end:
            raise WrongState(_("The term has not ended."))
        if (
            app.extension_requests.filter(status=RequestStatus.PENDING).exists()
            or app.law_amendment_requests.filter(status=RequestStatus.PENDING).exists()
        ):
            raise WrongState(_("A pending request keeps the waiver in force until it is decided."))

    with transaction.atomic():
        app = _run_transition(
            application=application,
            by=None,
            name="expire",
            role=Role.SYSTEM,
            guard=guard,
            payload={"rule": rule or "expiry", "term_end": application.term_end},
            at=at,
        )
        return _decision(
            application=app,
            kind=DecisionKind.EXPIRY,
            decided_at=at,
            legal_basis=app.track.legal_basis,
            term_start=app.term_start,
            term_end=app.term_end,
        )


def application_withdraw(
    *, application: Application, by: Any, reason: str = "", expected_version: int | None = None
) -> Application:
    """Applicant withdraws the case before a decision; the reason is optional."""
    with transaction.atomic():
        return _run_transition(
            application=application,
            by=by,
            name="withdraw",
            role=Role.APPLICANT,
            expected_version=expected_version,
            payload={"reason": reason.strip()},
        )


# --- Accounts: sign-up, email verification, organisations and invitations --------------------
# Links in emails carry signed tokens (django.core.signing) rather than rows: a token names the
# user or organisation and the email address, and expires on its own.

EMAIL_VERIFICATION_SALT = "sandbox.accounts.verify-email"
INVITATION_SALT = "sandbox.accounts.invitation"
EMAIL_VERIFICATION_MAX_AGE = dt.timedelta(days=3)
INVITATION_MAX_AGE = dt.timedelta(days=14)


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


def _email_taken(email: str) -> bool:
    from django.db.models import Q

    return bool(
        _user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
    )


def _check_password(password: str, user: Any) -> None:
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput({"password1": list(error.messages)}) from error


def _join_applicants(user: Any) -> None:
    from django.contrib.auth.models import Group

    group, _created = Group.objects.get_or_create(name=Role.APPLICANT)
    user.groups.add(group)


def email_verification_token(user: Any) -> str:
    from django.core import signing

    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_VERIFICATION_SALT)


def invitation_token(*, organization: Organization, email: str, by: Any) -> str:
    from django.core import signing

    return signing.dumps({"o": organization.pk, "e": email, "by": by.pk}, salt=INVITATION_SALT)


def applicant_sign_up(
    *,
    full_name: str,
    email: str,
    password: str,
    organization_name: str,
    registration_number: str,
    representative: str,
    address: str,
    language: str,
) -> Any:
    """A person registers with their organisation and becomes its first member (who may invite
    colleagues). The account stays inactive until the emailed verification link is followed."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from applications import notifications
    from applications.validators import normalize_brn

    email = email.strip().lower()
    problems: dict[str, str] = {}
    if _email_taken(email):
        problems["email"] = _(
            "An account with this email address already exists. Sign in, or reset your password."
        )
    try:
        brn = normalize_brn(registration_number)
    except DjangoValidationError as error:
        problems["registration_number"] = " ".join(error.messages)
        brn = ""
    if (
        brn
        and Organization.objects.filter(
            registration_number__in=[brn, brn.replace("-", "")]
        ).exists()
    ):
        problems["registration_number"] = _(
            "This organisation is already registered. Ask a colleague there to invite you."
        )
    for field, value in (
        ("full_name", full_name),
        ("organization_name", organization_name),
        ("representative", representative),
        ("address", address),
    ):
        if not value.strip():
            problems[field] = _("This field is required.")
    if language not in ("ko", "en"):
        problems["language"] = _("Choose Korean or English.")
    if problems:
        raise InvalidInput(problems)
    user_model = _user_model()
    with transaction.atomic():
        user = user_model(
            username=email, email=email, first_name=full_name.strip()[:150], is_active=False
        )
        _check_password(password, user)
        user.set_password(password)
        user.save()
        _join_applicants(user)
        organization = Organization.objects.create(
            name=organization_name.strip(),
            registration_number=brn,
            representative=representative.strip(),
            address=address.strip(),
            language=language,
        )
        Membership.objects.create(user=user, organization=organization, is_owner=True)
        audit_record(
            application=None,
            actor=user,
            actor_role=Role.APPLICANT,
            action="organization_registered",
            payload={"organization": organization.pk, "registration_number": brn},
        )
        user_id = user.pk
        transaction.on_commit(
            lambda: notifications.send_email_verification(user_id=user_id, language=language)
        )
    return user


def account_verify_email(*, token: str) -> Any:
    """Following the emailed link activates the account (once; later clicks change nothing)."""
    from django.core import signing

    invalid = InvalidInput(
        {"token": _("This link is not valid or has expired. Sign up again or ask for help.")}
    )
    try:
        data = signing.loads(
            token,
            salt=EMAIL_VERIFICATION_SALT,
            max_age=EMAIL_VERIFICATION_MAX_AGE,
        )
    except signing.BadSignature as error:
        raise invalid from error
    with transaction.atomic():
        user = _user_model().objects.select_for_update().filter(pk=data.get("u")).first()
        if user is None or user.email != data.get("e"):
            raise invalid
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(
                application=None,
                actor=user,
                actor_role=Role.APPLICANT,
                action="email_verified",
                payload={"user": user.pk},
            )
    return user


def invitation_send(*, organization: Organization, by: Any, email: str) -> str:
    """A member who may invite (the organisation's owner) invites a colleague by email."""
    from applications import notifications

    email = email.strip().lower()
    membership = Membership.objects.filter(user=by, organization=organization).first()
    if membership is None:
        raise NotVisible(_("No such organisation."))
    if not membership.is_owner:
        raise NotPermitted(_("Only the organisation's administrators can invite colleagues."))
    if not email or "@" not in email:
        raise InvalidInput({"email": _("Enter an email address, e.g. name@example.com.")})
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise InvalidInput({"email": _("This person is already a member.")})
    token = invitation_token(organization=organization, email=email, by=by)
    with transaction.atomic():
        audit_record(
            application=None,
            actor=by,
            actor_role=Role.APPLICANT,
            action="member_invited",
            payload={"organization": organization.pk, "email": email},
        )
        org_id, inviter_id = organization.pk, by.pk
        transaction.on_commit(
            lambda: notifications.send_invitation(
                organization_id=org_id, email=email, token=token, inviter_id=inviter_id
            )
        )
    return token


def invitation_read(*, token: str) -> tuple[Organization, str]:
    """The organisation and email address an invitation link is for, or ``InvalidInput``."""
    from django.core import signing

    invalid = InvalidInput({"token": _("This invitation is not valid or has expired.")})
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature as error:
        raise invalid from error
    organization = Organization.objects.filter(pk=data.get("o")).first()
    if organization is None or not data.get("e"):
        raise invalid
    return organization, str(data["e"])


def invitation_accept(
    *, token: str, by: Any = None, full_name: str = "", password: str = ""
) -> Any:
    """The invited person joins: signed in with the invited address, or as a new account (the
    invitation link proves the address, so it is active at once)."""
    organization, email = invitation_read(token=token)
    with transaction.atomic():
        if by is not None and getattr(by, "is_authenticated", False):
            if (by.email or "").lower() != email:
                raise NotPermitted(
                    _("This invitation is for %(email)s; sign in with that address.")
                    % {"email": email}
                )
            user = by
        else:
            if _email_taken(email):
                raise InvalidInput(
                    {
                        "__all__": _(
                            "You already have an account: sign in first, then open the link again."
                        )
                    }
                )
            if not full_name.strip():
                raise InvalidInput({"full_name": _("Enter your full name.")})
            user = _user_model()(
                username=email, email=email, first_name=full_name.strip()[:150], is_active=True
            )
            _check_password(password, user)
            user.set_password(password)
            user.save()
        _join_applicants(user)
        _membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"is_owner": False}
        )
        if created:
            audit_record(
                application=None,
                actor=user,
                actor_role=Role.APPLICANT,
                action="member_joined",
                payload={"organization": organization.pk},
            )
    return user


# --- review workspace: claim, assign, release, conflicts of interest -------------------------
# Who works a case is recorded on ``assigned_officer``; every change of hands bumps the case
# version (forms opened before it are stale) and is an audit event. A declared conflict of
# interest is an audit event too, and it bars that officer from the case for good.

CONFLICT_DECLARED = "conflict_declared"


def _has_declared_conflict(application: Application, officer: Any) -> bool:
    return AuditEvent.objects.filter(
        application=application, action=CONFLICT_DECLARED, actor=officer
    ).exists()


def _refuse_conflicted(application: Application, officer: Any) -> None:
    if officer is not None and _has_declared_conflict(application, officer):
        raise NotPermitted(
            _("%(officer)s declared a conflict of interest in this case and cannot work on it.")
            % {"officer": officer.get_full_name() or officer.get_username()}
        )


def _change_hands(
    *,
    application: Application,
    by: Any,
    officer: Any,
    action: str,
    predicate: perms.Predicate,
    expected_version: int | None,
    payload: dict[str, Any],
) -> Application:
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        _require_version(app, expected_version)
        _require(predicate, by, app)
        _refuse_conflicted(app, officer)
        previous = app.assigned_officer
        app.assigned_officer = officer
        app.version += 1
        app.save(update_fields=["assigned_officer", "version", "updated_at"])
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            action,
            {
                "assigned_officer": officer.get_username() if officer is not None else "",
                "previous_officer": previous.get_username() if previous is not None else "",
                **payload,
            },
        )
    _refresh_caller_copy(application, app)
    return app


def application_claim(
    *,
    application: Application,
    by: Any,
    no_conflict_declared: bool,
    expected_version: int | None = None,
) -> Application:
    """A lead-ministry case officer takes an unassigned case, declaring no conflict of interest
    (someone with a conflict records it with ``conflict_declare`` instead)."""
    _require_no_conflict_declared(no_conflict_declared)
    return _change_hands(
        application=application,
        by=by,
        officer=by,
        action="claimed",
        predicate=perms.can_claim_application,
        expected_version=expected_version,
        payload={"no_conflict_declared": True},
    )


def application_assign(
    *,
    application: Application,
    by: Any,
    officer: Any,
    expected_version: int | None = None,
) -> Application:
    """An officer hands an unassigned case (or their own) to a colleague of the same ministry;
    a colleague who declared a conflict in the case cannot receive it."""
    from applications.roles import has_role, ministry_of

    if officer is None:
        raise InvalidInput({"officer": _("Choose the officer who will work on the case.")})
    ministry = ministry_of(officer)
    if (
        not has_role(officer, Role.CASE_OFFICER)
        or ministry is None
        or ministry.pk != application.program.lead_ministry_id
    ):
        raise InvalidInput(
            {"officer": _("Choose a case officer of the ministry that leads this programme.")}
        )
    return _change_hands(
        application=application,
        by=by,
        officer=officer,
        action="assigned",
        predicate=perms.can_assign_application,
        expected_version=expected_version,
        payload={},
    )


def application_release(
    *, application: Application, by: Any, reason: str = "", expected_version: int | None = None
) -> Application:
    """The assigned officer gives the case back to the pool (it appears as unassigned)."""
    return _change_hands(
        application=application,
        by=by,
        officer=None,
        action="released",
        predicate=perms.can_release_application,
        expected_version=expected_version,
        payload={"reason": reason.strip()},
    )


def conflict_declare(
    *, application: Application, by: Any, details: str, expected_version: int | None = None
) -> Application:
    """An officer records a conflict of interest: the case is not assigned to them (if it was,
    it is released) and they can never claim, accept or be assigned it."""
    text = _clean_text(details, "conflict_details", _("Describe the conflict of interest."))
    with transaction.atomic():
        app = application_row_lock(application)
        _require_visible(by, app)
        _require_version(app, expected_version)
        _require(perms.can_declare_conflict, by, app)
        payload: dict[str, Any] = {"details": text, "officer": by.get_username()}
        if app.assigned_officer_id == by.pk:
            app.assigned_officer = None
            app.version += 1
            app.save(update_fields=["assigned_officer", "version", "updated_at"])
            payload["released"] = True
        event_record(app, by, Role.CASE_OFFICER, CONFLICT_DECLARED, payload)
    _refresh_caller_copy(application, app)
    return app
