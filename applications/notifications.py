"""Email to applicants, in their language, through Django's email backend (console by default,
SMTP when ``EMAIL_BACKEND``/``EMAIL_HOST`` say so).

Case emails are sent by a django-tasks task after the change commits (``effects.event_recorded``),
so a mail server that is down never undoes or delays a submission. Each email has a plain-text
body and an HTML alternative; both are rendered by templates that escape what people typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from applications.models import Application, AuditEvent, Organization


@dataclass(frozen=True)
class Notice:
    subject: Promise
    lead: Promise


# Events that concern the applicant, each with its subject line and first paragraph.
NOTICES: dict[str, Notice] = {
    "submit": Notice(
        _("We have received your application %(reference)s"),
        _("Thank you. Your application has been submitted and given the reference number below."),
    ),
    "request_supplement": Notice(
        _("Action needed: supplement your application %(reference)s"),
        _(
            "The ministry needs more information before it can continue. The review clock is "
            "paused until you answer."
        ),
    ),
    "answer_supplement": Notice(
        _("We have received your supplement for %(reference)s"),
        _("Your answer to the supplement request has been received; the review continues."),
    ),
    "lapse": Notice(
        _("Your application %(reference)s was closed"),
        _(
            "No answer to the supplement request arrived by the deadline, so the application "
            "is treated as withdrawn."
        ),
    ),
    "withdraw": Notice(
        _("Your application %(reference)s was withdrawn"),
        _("Your application has been withdrawn as you asked."),
    ),
    "accept": Notice(
        _("Your application %(reference)s is under review"),
        _("The ministry has checked that your application is complete and started its review."),
    ),
    "answer_confirmation": Notice(
        _("Answer to your confirmation request %(reference)s"),
        _("The ministry has answered whether a regulation applies to your service."),
    ),
    "deem_confirmed": Notice(
        _("Your confirmation request %(reference)s: deemed answer"),
        _(
            "The ministry did not answer within the legal deadline, so it is deemed that no "
            "regulation or permit applies to your service."
        ),
    ),
    "approve": Notice(
        _("Decision on %(reference)s: approved"),
        _(
            "The committee approved your application. The letter sets out the term and the "
            "conditions."
        ),
    ),
    "reject": Notice(
        _("Decision on %(reference)s: rejected"),
        _(
            "The committee rejected your application. The letter gives the reasons and explains "
            "how to ask for reconsideration."
        ),
    ),
    "request_reconsideration": Notice(
        _("We have received your request for reconsideration of %(reference)s"),
        _("Your request for reconsideration has been put to the committee."),
    ),
    "activate": Notice(
        _("Your waiver %(reference)s is now active"),
        _("The term of your waiver has started. Keep to the conditions in the decision letter."),
    ),
    "extend": Notice(
        _("Your waiver %(reference)s was extended"),
        _("Your request for an extension was granted; the new end date is below."),
    ),
    "extension_denied": Notice(
        _("Your extension request for %(reference)s was refused"),
        _("Your request for an extension was refused. The reason is below."),
    ),
    "suspend": Notice(
        _("Your waiver %(reference)s is suspended"),
        _("Your waiver has been suspended. You must stop the service until it is resumed."),
    ),
    "resume": Notice(
        _("Your waiver %(reference)s is resumed"),
        _("The suspension has been lifted; you may continue under the same conditions."),
    ),
    "revoke": Notice(
        _("Your waiver %(reference)s was revoked"),
        _("Your waiver has been revoked. The letter gives the grounds and your rights."),
    ),
    "request_law_amendment": Notice(
        _("Your law-amendment request for %(reference)s was accepted"),
        _("Your waiver continues until the law has been amended."),
    ),
    "law_amendment_rejected": Notice(
        _("Your law-amendment request for %(reference)s was not accepted"),
        _("Your request for a law amendment was not accepted. The reason is below."),
    ),
    "regularize": Notice(
        _("The law for %(reference)s has been amended"),
        _("The amended law is in force: your service can now run under the normal rules."),
    ),
    "expiry_reminder": Notice(
        _("Reminder: your waiver %(reference)s ends in %(days)s days"),
        _(
            "The term of your waiver ends soon. If the test needs more time, request an "
            "extension before the end date; a law amendment must be requested earlier, by the "
            "date shown on your case page."
        ),
    ),
    "expire": Notice(
        _("Your waiver %(reference)s has expired"),
        _("The term of your waiver has ended. You must stop the service."),
    ),
}


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(
    *, to: list[str], language: str, subject: str, template: str, context: dict[str, Any]
) -> int:
    if not to:
        return 0
    context = {**context, "language": language}
    with translation.override(language):
        text_body = render_to_string(f"applications/email/{template}.txt", context)
        html_body = render_to_string(f"applications/email/{template}.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(str(subject).split()), body=text_body, to=to
        )
        message.attach_alternative(html_body, "text/html")
        return message.send()


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


def event_email_context(event: AuditEvent) -> dict[str, Any] | None:
    """What an email about ``event`` says, or None when the event does not concern the
    applicant. Must be called with the applicant's language active."""
    notice = NOTICES.get(event.action)
    app = event.application
    if notice is None or app is None:
        return None
    payload = event.payload or {}
    reference = app.reference or str(_("(draft)"))
    due = ""
    if event.action == "request_supplement":
        due = _local_date(app, app.supplement_due_at)
    elif event.action in ("submit", "answer_supplement", "accept") and app.due_at:
        due = _local_date(app, app.due_at)
    return {
        "subject": str(notice.subject)
        % {"reference": reference, "days": payload.get("days_left", "")},
        "lead": notice.lead,
        "application": app,
        "reference": reference,
        "status": app.get_status_display(),
        "deficiencies": payload.get("deficiencies") or [],
        "due": due,
        "action": event.action,
        "reason": payload.get("reason") or payload.get("reasons") or payload.get("grounds") or "",
        "term_end": formats.date_format(app.term_end, "DATE_FORMAT") if app.term_end else "",
        "case_url": site_link(reverse("application-detail", args=[app.pk])),
    }


def concerns_applicant(*, event_id: int) -> bool:
    """Only events in ``NOTICES`` are emailed; the rest (draft edits, uploads, …) are not."""
    return AuditEvent.objects.filter(
        pk=event_id, action__in=list(NOTICES), application__isnull=False
    ).exists()


def notify_event(*, event_id: int) -> int:
    """Email the applicant's organisation about one committed event; returns emails sent."""
    event = (
        AuditEvent.objects.select_related(
            "application__organization", "application__program", "application__track"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.application is None or event.action not in NOTICES:
        return 0
    app = event.application
    with translation.override(app.language):
        context = event_email_context(event)
        if context is None:
            return 0
        return _send(
            to=recipients(app.organization),
            language=app.language,
            subject=context["subject"],
            template="event",
            context=context,
        )


@task()
def send_event_email(event_id: int) -> int:
    return notify_event(event_id=event_id)


def send_email_verification(*, user_id: int, language: str) -> int:
    from applications.services import email_verification_token

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return 0
    link = site_link(reverse("account-verify", args=[email_verification_token(user)]))
    with translation.override(language):
        return _send(
            to=[user.email],
            language=language,
            subject=str(_("Confirm your email address")),
            template="verify_email",
            context={"user": user, "link": link},
        )


def send_invitation(*, organization_id: int, email: str, token: str, inviter_id: int) -> int:
    organization = Organization.objects.filter(pk=organization_id).first()
    inviter = get_user_model().objects.filter(pk=inviter_id).first()
    if organization is None:
        return 0
    link = site_link(reverse("invitation-accept", args=[token]))
    with translation.override(organization.language):
        return _send(
            to=[email],
            language=organization.language,
            subject=str(
                _("%(organization)s invites you to the Regulatory Sandbox")
                % {"organization": organization.name}
            ),
            template="invitation",
            context={"organization": organization, "inviter": inviter, "link": link},
        )
