"""Email to applicants, in their language, through Django's email backend (console by default,
SMTP when ``EMAIL_BACKEND``/``EMAIL_HOST`` say so).

Case emails are sent by a django-tasks task after the change commits (``effects.event_recorded``),
so a mail server that is down never undoes or delays a submission. Each email has a plain-text
body and an HTML alternative; both are rendered by templates that escape what people typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from applications import vocabulary
from applications.models import Application, AuditEvent, Organization
from applications.workflow import ApplicationStatus, extensions_left
from core.mail import send_templated, site_link

# Events whose email says when the review must end (a similarity answer moves or keeps it).
SHOWS_REVIEW_DEADLINE = (
    "submit",
    "answer_supplement",
    "accept",
    "similarity_confirmed",
    "similarity_denied",
)


def recipients(organization: Organization) -> list[str]:
    """Every active member of the organisation with an email address."""
    return sorted(
        set(
            organization.members.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _local_date(app: Application, moment: dt.datetime | None) -> str:
    return formats.date_format(app.program.local_date(moment), "DATE_FORMAT") if moment else ""


def status_text(app: Application) -> str:
    """The case's status as the applicant reads it: a case closed because a supplement request
    lapsed was returned (반려) by the ministry, not withdrawn by the applicant."""
    returned = (
        app.status == ApplicationStatus.WITHDRAWN
        and app.supplement_requests.filter(lapsed_at__isnull=False).exists()
    )
    return (
        str(_("Returned (no supplement by the deadline)")) if returned else app.get_status_display()
    )


def event_email_context(event: AuditEvent) -> dict[str, Any] | None:
    """What an email about ``event`` says, or None when the event does not concern the
    applicant. Must be called with the applicant's language active."""
    words = vocabulary.wording(event.action)
    notice = words.notice if words is not None else None
    app = event.application
    if notice is None or app is None:
        return None
    payload = event.payload or {}
    reference = app.reference or str(_("(draft)"))
    due = ""
    if event.action == "request_supplement":
        due = _local_date(app, app.supplement_due_at)
    elif event.action in SHOWS_REVIEW_DEADLINE and app.due_at:
        due = _local_date(app, app.due_at)
    elif payload.get("due_on"):  # events of higher apps that name a due date (a report's)
        due = formats.date_format(dt.date.fromisoformat(str(payload["due_on"])), "DATE_FORMAT")
    lead = notice.lead
    term_end = app.term_end
    if event.action == vocabulary.AuditAction.EXPIRY_REMINDER:
        if not extensions_left(app):
            lead = vocabulary.EXPIRY_REMINDER_NO_EXTENSION_LEFT
        if payload.get("term_end"):
            # The end its days were counted to: an extension granted before the email left
            # the queue moved the case's own (its new end gets reminders of its own).
            term_end = dt.date.fromisoformat(str(payload["term_end"]))
    return {
        "subject": str(notice.subject)
        % {"reference": reference, "days": payload.get("days_left", "")},
        "lead": lead,
        "application": app,
        "reference": reference,
        "status": status_text(app),
        "deficiencies": payload.get("deficiencies") or [],
        "due": due,
        "action": event.action,
        "reason": payload.get("reason") or payload.get("reasons") or payload.get("grounds") or "",
        "term_end": formats.date_format(term_end, "DATE_FORMAT") if term_end else "",
        "case_url": site_link(reverse("application-detail", args=[app.pk])),
    }


def emails_applicant(event: AuditEvent) -> bool:
    """Whether the applicant is emailed about ``event`` (``effects.on_event``'s ``wants``, judged
    from the event in hand): only actions worded with a notice are; the rest (a draft's edits,
    uploads, …) are not read back to learn that nobody is emailed."""
    return event.application_id is not None and event.action in vocabulary.emailed_actions()


def notify_event(*, event_id: int) -> int:
    """Email the applicant's organisation about one committed event; returns emails sent."""
    event = (
        AuditEvent.objects.select_related(
            "application__organization", "application__program", "application__track"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.application is None:
        return 0
    app = event.application
    with translation.override(app.language):
        context = event_email_context(event)
        if context is None:
            return 0
        return send_templated(
            to=recipients(app.organization),
            language=app.language,
            subject=context["subject"],
            template="applications/email/event",
            context=context,
        )


@task()
def send_event_email(event_id: int) -> int:
    return notify_event(event_id=event_id)


@task()
def send_event_emails(event_ids: list[int]) -> int:
    """The emails of many events (one task for a chunk of the deadline sweep): each sent on its
    own, so one that fails does not keep the others; the first failure is raised at the end."""
    sent, failure = 0, None
    for event_id in event_ids:
        try:
            sent += notify_event(event_id=event_id)
        except Exception as error:  # the others still go; the first is raised below
            failure = failure or error
    if failure is not None:
        raise failure
    return sent


def email_applicant_about(*, event_id: int) -> None:
    """After an event that concerns the applicant commits (``effects.on_event``, which tells
    this hook only of the events ``emails_applicant`` picks): queue the applicant's email."""
    send_event_email.enqueue(event_id=event_id)


def email_applicants_about(*, event_ids: list[int]) -> None:
    """``email_applicant_about`` for many events committed together (the sweep's chunks), in
    chain order: their emails queued as one task."""
    if len(event_ids) == 1:
        send_event_email.enqueue(event_id=event_ids[0])
    elif event_ids:
        send_event_emails.enqueue(event_ids=list(event_ids))
