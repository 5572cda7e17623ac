"""Every write of the inbox: notifications made in the event's transaction, their emails after
the commit (or in the daily digest), reminders before an opinion request lapses, marking read,
and the digest setting.

Reading one's own notifications is not a case action: marking read changes only the reader's
inbox and is not an audit event (decision recorded in ``docs/staff.md``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from applications.models import Application, AuditEvent, Consultation
from applications.models.review import ConsultationStatus
from applications.roles import Role
from core.errors import NotVisible
from core.mail import send_templated, site_link
from notifications import rules
from notifications.models import InboxSetting, Notification
from notifications.models import NotificationKind as K

DIGEST_EVERY = dt.timedelta(days=1)


def _make(*, recipient: Any, application: Any, kind: str, key: str, **fields: Any) -> int | None:
    """The notification, once per person and key; its id if it is new."""
    notification, made = Notification.objects.get_or_create(
        recipient=recipient,
        key=key,
        defaults={"application": application, "kind": kind, **fields},
    )
    return notification.pk if made else None


def _email_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: send_notification_emails.enqueue(ids=ids))


def _watched_events(events: list[AuditEvent]) -> list[AuditEvent]:
    """The events someone is told about, each with its case (programme and officer joined) as
    it stands in this transaction: one query, and none when nothing is watched."""
    watched = [event for event in events if rules.watches(event)]
    if not watched:
        return []
    cases = Application.objects.select_related("program", "assigned_officer").in_bulk(
        {event.application_id for event in watched}
    )
    for event in watched:
        event.application = cases[event.application_id]
    return watched


def notify_about_event(*, event: AuditEvent) -> list[int]:
    """Inside the event's transaction (``effects.on_event_in_transaction``): the notifications
    it calls for; their emails go after the commit. Returns the new notifications' ids."""
    return notify_about_events(events=[event])


def notify_about_events(*, events: list[AuditEvent]) -> list[int]:
    """``notify_about_event`` for many events of one transaction (the sweep's chunks): the
    watched ones' cases read in one query, every notification they call for written in one
    insert, their emails queued together after the commit.

    A plain insert, not ``_make``'s look-up first: an event's notifications are keyed by its id,
    which this transaction has just taken, so none of them can exist yet (the unique
    constraint still holds that)."""
    notifications: dict[tuple[int, str], Notification] = {}
    for event in _watched_events(events):
        for notification in _notifications_of(event):
            notifications.setdefault((notification.recipient_id, notification.key), notification)
    made = Notification.objects.bulk_create(notifications.values())
    ids = [n.pk for n in made if n.emailed_at is None]
    _email_after_commit(ids)
    return ids


def _notifications_of(event: AuditEvent) -> list[Notification]:
    """The notifications ``event`` calls for, unsaved; those not emailed (``Notice.email``
    false) marked emailed at the event's moment, so no email ever goes for them."""
    assert event.application is not None
    return [
        Notification(
            recipient=recipient,
            application=event.application,
            kind=notice.kind,
            key=f"event:{event.pk}:{notice.kind}",
            event=event,
            details=notice.details,
            emailed_at=None if notice.email else event.occurred_at,
        )
        for notice in rules.notices_for(event)
        for recipient in notice.recipients
        if recipient.pk != event.actor_id
    ]


def opinions_due_soon(*, now: dt.datetime | None = None) -> list[int]:
    """Consultees of a ministry whose opinion request lapses within ``DUE_SOON_DAYS`` are told
    once per request."""
    now = now or timezone.now()
    made: list[int] = []
    with transaction.atomic():
        pending = Consultation.objects.select_related("application__program").filter(
            status=ConsultationStatus.PENDING,
            due_at__gt=now,
            due_at__lte=now + dt.timedelta(days=rules.DUE_SOON_DAYS),
        )
        for consultation in pending:
            app = consultation.application
            due_on = app.program.local_date(consultation.due_at).isoformat()
            for recipient in rules.staff_of([consultation.ministry_id], Role.CONSULTEE):
                pk = _make(
                    recipient=recipient,
                    application=app,
                    kind=K.OPINION_DUE_SOON,
                    key=f"opinion-due:{consultation.pk}",
                    details={"due_on": due_on},
                )
                if pk is not None:
                    made.append(pk)
        _email_after_commit(made)
    return made


def opinions_due_soon_tick() -> str:
    made = opinions_due_soon()
    return f"staff reminders: {len(made)} opinions due soon" if made else ""


# --- email ------------------------------------------------------------------------------------


def language_of(user: Any) -> str:
    profile = getattr(user, "staff_profile", None)
    return str(profile.language) if profile is not None else str(settings.LANGUAGE_CODE)


def wants_digest(user: Any) -> bool:
    return InboxSetting.objects.filter(user=user, daily_digest=True).exists()


def _line(notification: Notification) -> dict[str, str]:
    app = notification.application
    return {
        "kind": str(notification.get_kind_display()),
        "sentence": rules.sentence(notification.kind, app, notification.details),
        "link": site_link(reverse("review-case", args=[app.pk])),
    }


def notification_email(notification_id: int) -> int:
    """Email one notification to its recipient in their language, once; not when they chose
    the daily digest or have no address. Returns emails sent."""
    notification = (
        Notification.objects.select_related(
            "recipient__staff_profile", "application__program", "application__track"
        )
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return 0
    recipient = notification.recipient
    if not recipient.email or wants_digest(recipient):
        return 0
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    language = language_of(recipient)
    try:
        with translation.override(language):
            line = _line(notification)
            return send_templated(
                to=[recipient.email],
                language=language,
                subject=line["sentence"],
                template="notifications/email/notification",
                context={**line, "inbox": site_link(reverse("review-inbox"))},
            )
    except Exception:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise


@task()
def send_notification_emails(ids: list[int]) -> int:
    return sum(notification_email(pk) for pk in ids)


def digest_send(*, now: dt.datetime | None = None) -> int:
    """For each person who chose the daily digest and was last sent one a day ago or more: one
    email listing their unread notifications not yet emailed. Returns digests sent."""
    now = now or timezone.now()
    sent = 0
    for setting in InboxSetting.objects.select_related("user__staff_profile").filter(
        daily_digest=True
    ):
        if setting.last_digest_at is not None and now - setting.last_digest_at < DIGEST_EVERY:
            continue
        user = setting.user
        with transaction.atomic():
            waiting = list(
                Notification.objects.select_for_update()
                .select_related("application__program")
                .filter(recipient=user, emailed_at__isnull=True)
                .order_by("created_at", "pk")
            )
            if not waiting:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(emailed_at=now)
            unread = [n for n in waiting if n.read_at is None]
            setting.last_digest_at = now
            setting.save(update_fields=["last_digest_at"])
            if not unread or not user.email:
                continue
            language = language_of(user)
            with translation.override(language):
                lines = [_line(n) for n in unread]
                subject = _("Your notifications: %(count)s new") % {"count": len(lines)}
            sent += send_templated(
                to=[user.email],
                language=language,
                subject=subject,
                template="notifications/email/digest",
                context={"lines": lines, "inbox": site_link(reverse("review-inbox"))},
            )
    return sent


def digest_tick() -> str:
    sent = digest_send()
    return f"staff digests: {sent} sent" if sent else ""


# --- the reader's inbox ----------------------------------------------------------------------


def notification_mark_read(*, by: Any, notification_id: int) -> Notification:
    """One's own notification, read now (again: no change). Someone else's is not found."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, recipient=by)
            .first()
        )
        if notification is None:
            raise NotVisible(_("No such notification."))
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return notification


def notifications_mark_all_read(*, by: Any) -> int:
    with transaction.atomic():
        return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def inbox_setting_update(*, by: Any, daily_digest: bool) -> InboxSetting:
    with transaction.atomic():
        setting, _created = InboxSetting.objects.select_for_update().get_or_create(user=by)
        setting.daily_digest = daily_digest
        setting.save(update_fields=["daily_digest"])
        return setting
