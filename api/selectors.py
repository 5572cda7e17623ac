"""Reads for the auditor API: what each caller may read, with everything a response shows
preloaded so that a page runs a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.utils.translation import gettext as _

from api.models import ApiAccessLog
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    Decision,
    DecisionKind,
    ExtensionRequest,
    LawAmendmentRequest,
    Recommendation,
    RegulationConcerned,
)
from applications.selectors import applications_visible_to
from applications.visibility import NOTHING, reads_deliberation, scope_of
from applications.vocabulary import applicant_detailed_actions
from core.errors import NotVisible
from documents.models import Letter


def api_applications_for(*, user: Any) -> QuerySet[Application]:
    """Submitted cases (those with a reference) the user may read; drafts stay private."""
    return (
        applications_visible_to(user=user)
        .filter(reference__isnull=False)
        .select_related("program__lead_ministry")
    )


DETAIL_EVENTS = 20  # the newest events a case's detail carries


def api_application_detail_for(*, user: Any, reference: str) -> Application:
    """One submitted case with everything the auditor's detail shows, in a fixed number of
    queries; ``NotVisible`` when it does not exist for this user. An applicant's token reads no
    internal deliberation: no consultations, no recommendation, only the events it may read.
    Of those events it carries the newest ``DETAIL_EVENTS`` (``recent_events``, oldest first)
    and whether that is all of them (``events_complete``)."""
    internal = reads_deliberation(user)
    app = (
        api_applications_for(user=user)
        .prefetch_related(
            Prefetch(
                "regulations",
                queryset=RegulationConcerned.objects.select_related("competent_ministry"),
            ),
            Prefetch(
                "consultations",
                queryset=Consultation.objects.select_related("ministry", "answered_by")
                if internal
                else Consultation.objects.none(),
            ),
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("officer")
                if internal
                else Recommendation.objects.none(),
            ),
            Prefetch(
                "decisions",
                queryset=decisions_readable_by(user, decisions_register()).order_by(
                    "decided_at", "id"
                ),
            ),
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
        )
        .filter(reference=reference)
        .first()
    )
    if app is None:
        raise NotVisible(_("No such application."))
    # The newest events only (one backward walk of the (application, seq) index): a case's
    # whole trail pages through the case's events endpoint instead.
    newest = list(
        events_readable_by(user, events_feed().filter(application=app)).order_by("-seq")[
            : DETAIL_EVENTS + 1
        ]
    )
    app.recent_events = list(reversed(newest[:DETAIL_EVENTS]))  # type: ignore[attr-defined]
    app.events_complete = len(newest) <= DETAIL_EVENTS  # type: ignore[attr-defined]
    return app


def events_feed() -> QuerySet[AuditEvent]:
    """Audit events with what the API shows of them (the case reference) joined in."""
    return AuditEvent.objects.select_related("application").order_by("seq")


def events_readable_by(user: Any, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Staff read every event of a case they may read; an applicant only those whose whole
    record is theirs to read (no internal working events, no deliberation: their payloads hold
    opinions, reasons and who was assigned)."""
    if reads_deliberation(user):
        return events
    return events.filter(action__in=applicant_detailed_actions())


def events_visible_to(*, user: Any) -> QuerySet[AuditEvent]:
    """Auditors read the whole chain (account events too); others the events of the cases they
    may read (applicants without internal records)."""
    scope = scope_of(user)
    if scope == NOTHING:
        return AuditEvent.objects.none()
    if scope.everything:
        return events_readable_by(user, events_feed())
    visible = api_applications_for(user=user).values("pk")
    return events_readable_by(user, events_feed().filter(application__in=visible))


def letters_with_links() -> QuerySet[Letter]:
    return Letter.objects.select_related("application", "supersedes", "superseded_by")


def letters_visible_to(*, user: Any) -> QuerySet[Letter]:
    """Letters on the cases the user may read (pending ones too)."""
    scope = scope_of(user)
    if scope == NOTHING:
        return Letter.objects.none()
    if scope.everything:
        return letters_with_links()
    visible = api_applications_for(user=user).values("pk")
    return letters_with_links().filter(application__in=visible)


def access_log_entries() -> QuerySet[ApiAccessLog]:
    """The API access log with who and which token joined in."""
    return ApiAccessLog.objects.select_related("user", "token")


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


def decisions_readable_by(user: Any, decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Staff read every decision; an applicant those a letter discloses (not the committee's
    remand to the officer, an internal step with internal reasons) and not who recommended."""
    if reads_deliberation(user):
        return decisions
    return decisions.exclude(kind=DecisionKind.REMAND).annotate(
        recommender=Value(None, output_field=CharField())
    )


def decisions_visible_to(*, user: Any) -> QuerySet[Decision]:
    """The decisions register, limited to the cases the user may read."""
    scope = scope_of(user)
    if scope == NOTHING:
        return Decision.objects.none()
    if scope.everything:
        return decisions_readable_by(user, decisions_register())
    visible = api_applications_for(user=user).values("pk")
    return decisions_readable_by(user, decisions_register().filter(application__in=visible))
