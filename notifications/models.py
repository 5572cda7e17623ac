"""A notification tells one staff member about one thing on a case; it is created in the same
transaction as the event it is about, and emailed after the commit (or in the daily digest).
What it says is worded when it is read, in the reader's language (``rules.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent


class NotificationKind(models.TextChoices):
    OPINION_REQUESTED = "opinion_requested", _("Opinion requested from your ministry")
    OPINION_DUE_SOON = "opinion_due_soon", _("Opinion request lapses soon")
    SUPPLEMENT_ANSWERED = "supplement_answered", _("Supplement answered")
    OPINION_ARRIVED = "opinion_arrived", _("Opinion arrived")
    REPORT_FILED = "report_filed", _("Report filed")
    INCIDENT_FILED = "incident_filed", _("Incident reported")
    DECISION_WAITS = "decision_waits", _("A decision waits")
    DELIBERATION_REACHED = "deliberation_reached", _("Case in deliberation")
    NOTICE_ANSWERED = "notice_answered", _("Opinion on a prior notice")
    RESUMPTION_REQUESTED = "resumption_requested", _("Resumption requested")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="+"
    )
    # No database constraint: the audit chain is the only guard of the audit table, and a
    # notification must never stand in the way of its tamper checks (a deleted event is found
    # by the chain, not refused here).
    event = models.ForeignKey(
        AuditEvent,
        verbose_name=_("event"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    # What makes it one: the event and kind, or (for reminders without an event) the record
    # it reminds of; a person gets each notification once.
    key = models.CharField(_("key"), max_length=100)
    # What the sentence needs beyond the case (``due_on``: an ISO date).
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The inbox's pages, newest first, for everything and for the unread only: read in
            # their order from the first row to the page's last whatever the inbox holds.
            models.Index(fields=["recipient", "created_at", "id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "created_at", "id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_inbox_unread",
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind} · {self.application_id}"


class InboxSetting(models.Model):
    """How a staff member wants their notifications emailed: each at once, or a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="inbox_setting",
    )
    daily_digest = models.BooleanField(
        _("daily digest"),
        default=False,
        help_text=_("One email a day listing new notifications, instead of one email each."),
    )
    last_digest_at = models.DateTimeField(_("last digest sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox setting")
        verbose_name_plural = _("inbox settings")

    def __str__(self) -> str:
        return str(self.user)
