"""Reads: permission-aware querysets and case lookups with their related rows preloaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications import workflow
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    Decision,
    ExtensionRequest,
    LawAmendmentRequest,
    Recommendation,
    RegulationConcerned,
)
from applications.roles import Role, has_role, ministry_of
from sandbox.errors import NotVisible


def applications_visible_to(*, user: Any) -> QuerySet[Application]:
    """Every case the user may read: all for auditors, their organisation's for applicants,
    their ministry's (lead or consulted) for staff."""
    base = Application.objects.select_related(
        "program", "track", "organization", "assigned_officer"
    )
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_superuser or has_role(user, Role.AUDITOR):
        return base
    visible = Q(pk__in=[])
    if has_role(user, Role.APPLICANT):
        visible |= Q(organization__memberships__user=user)
    ministry = ministry_of(user)
    if ministry is not None:
        visible |= Q(program__lead_ministry=ministry) | Q(consultations__ministry=ministry)
    return base.filter(visible).distinct()


def application_get_for(
    *, user: Any, pk: int | None = None, reference: str | None = None
) -> Application:
    """One case by id or reference, or ``NotVisible`` when it does not exist for this user."""
    lookup = {"pk": pk} if pk is not None else {"reference": reference}
    app = (
        Application.objects.select_related("program", "track", "organization", "assigned_officer")
        .filter(**lookup)
        .first()
    )
    if app is None or not perms.can_view_application(user, app):
        raise NotVisible(_("No such application."))
    return app


def application_submission_problems(*, application: Application) -> dict[str, str]:
    """What still stops a draft from being submitted, field → message (empty when it may go):
    missing sections, a term the track does not allow, required documents not uploaded."""
    # Imported here: documents depends on applications, not the other way round.
    from documents.models import Document
    from documents.uploads import missing_documents

    app = application
    missing = workflow.missing_for_submission(app, regulation_count=app.regulations.count())
    problem = workflow.requested_term_problem(track=app.track, days=app.requested_term_days)
    if problem:
        missing["requested_term_days"] = problem
    missing.update(
        missing_documents(
            required=app.track.required_document_types or [],
            present=Document.objects.filter(application=app).values_list("doc_type", flat=True),
        )
    )
    return missing


def application_history(*, application: Application) -> QuerySet[AuditEvent]:
    """The case's audit events in chain order."""
    return (
        AuditEvent.objects.filter(application=application).select_related("actor").order_by("seq")
    )


# --- API reads ---------------------------------------------------------------------------


def api_applications_for(*, user: Any) -> QuerySet[Application]:
    """Submitted cases (those with a reference) the user may read; drafts stay private."""
    return (
        applications_visible_to(user=user)
        .filter(reference__isnull=False)
        .select_related("program__lead_ministry")
    )


def api_application_detail_for(*, user: Any, reference: str) -> Application:
    """One submitted case with everything the auditor's detail shows, in a fixed number of
    queries; ``NotVisible`` when it does not exist for this user."""
    app = (
        api_applications_for(user=user)
        .prefetch_related(
            Prefetch(
                "regulations",
                queryset=RegulationConcerned.objects.select_related("competent_ministry"),
            ),
            Prefetch(
                "consultations",
                queryset=Consultation.objects.select_related("ministry", "answered_by"),
            ),
            Prefetch("recommendations", queryset=Recommendation.objects.select_related("officer")),
            Prefetch("decisions", queryset=decisions_register().order_by("decided_at", "id")),
            Prefetch(
                "extension_requests",
                queryset=ExtensionRequest.objects.select_related("decided_by").order_by(
                    "requested_at", "id"
                ),
            ),
            Prefetch(
                "law_amendment_requests",
                queryset=LawAmendmentRequest.objects.select_related("decided_by").order_by(
                    "requested_at", "id"
                ),
            ),
            Prefetch("letters", queryset=letters_with_links().order_by("created_at", "id")),
            Prefetch("events", queryset=events_feed().order_by("seq")),
        )
        .filter(reference=reference)
        .first()
    )
    if app is None:
        raise NotVisible(_("No such application."))
    return app


def events_feed() -> QuerySet[AuditEvent]:
    """Audit events with what the API shows of them (the case reference) joined in."""
    return AuditEvent.objects.select_related("application").order_by("seq")


def events_visible_to(*, user: Any) -> QuerySet[AuditEvent]:
    """Auditors read the whole chain (account events too); others the events of the cases they
    may read."""
    if not getattr(user, "is_authenticated", False):
        return AuditEvent.objects.none()
    if user.is_superuser or has_role(user, Role.AUDITOR):
        return events_feed()
    visible = api_applications_for(user=user).values("pk")
    return events_feed().filter(application__in=visible)


def letters_with_links() -> QuerySet[Any]:
    from documents.models import Letter  # documents depends on applications, not the reverse

    return Letter.objects.select_related("application", "supersedes", "superseded_by")


def decisions_register() -> QuerySet[Decision]:
    """Decisions with their decider, the recommending officer (latest recommendation made
    before the decision) and their letters preloaded."""
    recommender = (
        Recommendation.objects.filter(
            application=OuterRef("application"), created_at__lte=OuterRef("decided_at")
        )
        .order_by("-created_at", "-id")
        .values("officer__username")[:1]
    )
    return (
        Decision.objects.select_related("application__program", "decided_by")
        .annotate(recommender=Subquery(recommender))
        .prefetch_related(Prefetch("letters", queryset=letters_with_links().order_by("id")))
    )


def decisions_visible_to(*, user: Any) -> QuerySet[Decision]:
    """The decisions register, limited to the cases the user may read."""
    if not getattr(user, "is_authenticated", False):
        return Decision.objects.none()
    if user.is_superuser or has_role(user, Role.AUDITOR):
        return decisions_register()
    visible = api_applications_for(user=user).values("pk")
    return decisions_register().filter(application__in=visible)


def application_as_of(*, application: Application, at: dt.datetime) -> dict[str, Any]:
    """The case as it stood at ``at``, rebuilt from its audit events alone: status, term,
    conditions, extensions granted, and the last event applied."""
    state: dict[str, Any] = {
        "as_of": at,
        "status": None,
        "term_start": None,
        "term_end": None,
        "conditions": [],
        "extensions_granted": 0,
        "last_event_seq": None,
    }
    events = AuditEvent.objects.filter(application=application, occurred_at__lte=at).order_by("seq")
    for event in events.iterator(chunk_size=500):
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.to_status:
            state["status"] = event.to_status
        if event.action == "approve":
            state["term_start"] = payload.get("term_start")
            state["term_end"] = payload.get("term_end")
            state["conditions"] = list(payload.get("conditions") or [])
        elif event.action == "extend":
            state["term_end"] = payload.get("new_end", state["term_end"])
            state["extensions_granted"] += 1
        state["last_event_seq"] = event.seq
    return state
