"""Telling the lead ministry's staff about a serious incident at once: by email now, each in
their language. ``notify_staff_of_incident`` is the one place that decides who hears of it and
how, so an in-app inbox can later be one more channel here."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_tasks import task

from applications.models import StaffProfile
from applications.roles import Role
from core.mail import send_templated, site_link
from supervision.models import Incident


def incident_recipients(incident: Incident) -> list[User]:
    """The lead ministry's case officers and decision makers who can be emailed."""
    ministry_id = incident.application.program.lead_ministry_id
    return list(
        User.objects.filter(
            is_active=True,
            staff_profile__ministry_id=ministry_id,
            groups__name__in=(Role.CASE_OFFICER, Role.DECISION_MAKER),
        )
        .exclude(email="")
        .select_related("staff_profile")
        .distinct()
        .order_by("pk")
    )


def _language(user: User) -> str:
    profile: StaffProfile | None = getattr(user, "staff_profile", None)
    return profile.language if profile is not None else "ko"


def notify_staff_of_incident(*, incident_id: int) -> int:
    """Email the lead ministry's officers and decision makers about a serious incident, one
    email per language; returns the number of emails sent."""
    incident = (
        Incident.objects.select_related(
            "application__program", "application__organization", "application__track"
        )
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        return 0
    app = incident.application
    by_language: dict[str, list[str]] = defaultdict(list)
    for user in incident_recipients(incident):
        by_language[_language(user)].append(user.email)
    sent = 0
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            tz = app.program.tz
            context = {
                "incident": incident,
                "application": app,
                "category": incident.get_category_display(),
                "severity": incident.get_severity_display(),
                "occurred": formats.date_format(
                    incident.occurred_at.astimezone(tz), "DATETIME_FORMAT"
                ),
                "detected": formats.date_format(
                    incident.detected_at.astimezone(tz), "DATETIME_FORMAT"
                ),
                "reported": formats.date_format(
                    incident.reported_at.astimezone(tz), "DATETIME_FORMAT"
                ),
                "url": site_link(
                    reverse("supervision-incident-review", args=[app.pk, incident.pk])
                ),
            }
            subject = _("Serious incident reported on %(reference)s") % {"reference": app.reference}
            sent += send_templated(
                to=sorted(addresses),
                language=language,
                subject=subject,
                template="supervision/email/serious_incident",
                context={**context, "subject": subject},
            )
    return sent


@task()
def send_incident_email(incident_id: int) -> int:
    return notify_staff_of_incident(incident_id=incident_id)


def notify_after_commit(incident_id: int) -> None:
    """Queue the staff email once the incident report commits."""
    transaction.on_commit(lambda: send_incident_email.enqueue(incident_id=incident_id))
