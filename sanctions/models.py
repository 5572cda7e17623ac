"""Due process before a sanction (DOMAIN §3; the Administrative Procedures Act): the prior notice
of an intended suspension or revocation with its grounds and opinion deadline, the company's
opinion (with files, or a request for a hearing), hearings, urgent suspensions with their
ground, suspensions with a period and cure steps, and requests to resume.

Rows only: every write is in ``services.py``; the kernel's ``suspend``/``revoke`` transitions
refuse to run unless ``selectors.procedure_guard`` finds the procedure done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Decision
from documents.models import Document
from supervision.models import ConditionRecord, Incident, Report


class Measure(models.TextChoices):
    SUSPEND = "suspend", _("Suspension")
    REVOKE = "revoke", _("Revocation")


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the opinion or the decision")
    DECIDED = "decided", _("Measure taken")
    DROPPED = "dropped", _("Closed without a measure")


class UrgencyGround(models.TextChoices):
    LIFE = "life", _("Danger to life")
    HEALTH = "health", _("Danger to health")
    SAFETY = "safety", _("Danger to safety")


class UrgentMeasure(models.Model):
    """An immediate suspension without prior notice, with its recorded urgency ground; the
    notice procedure follows it."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="urgent_measures",
    )
    ground = models.CharField(_("urgency ground"), max_length=16, choices=UrgencyGround.choices)
    explanation = models.TextField(_("why it cannot wait"))
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name = _("urgent measure")
        verbose_name_plural = _("urgent measures")

    def __str__(self) -> str:
        return f"urgent suspension of {self.application_id} ({self.ground})"


class PriorNotice(models.Model):
    """Notice of an intended suspension or revocation: grounds (text and linked supervision
    records), the measure, the opinion deadline (the track's opinion days), and what came of it."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="prior_notices",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    measure = models.CharField(_("measure intended"), max_length=16, choices=Measure.choices)
    grounds = models.TextField(_("grounds"))
    incidents = models.ManyToManyField(
        Incident, verbose_name=_("incidents"), blank=True, related_name="prior_notices"
    )
    conditions = models.ManyToManyField(
        ConditionRecord,
        verbose_name=_("conditions breached"),
        blank=True,
        related_name="prior_notices",
    )
    reports = models.ManyToManyField(
        Report, verbose_name=_("overdue reports"), blank=True, related_name="prior_notices"
    )
    period_days = models.PositiveIntegerField(
        _("intended suspension (days)"), null=True, blank=True
    )
    opinion_due = models.DateField(_("opinion due"))
    follows = models.ForeignKey(
        UrgentMeasure,
        verbose_name=_("follows the urgent suspension"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    letter_decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    measure_decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(_("why it was closed"), blank=True)
    assessment_outcome = models.CharField(_("opinion assessment"), max_length=16, blank=True)
    assessment = models.TextField(_("why the opinion was or was not accepted"), blank=True)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="prior_notice_number_unique"
            )
        ]
        verbose_name = _("prior notice")
        verbose_name_plural = _("prior notices")

    def __str__(self) -> str:
        return f"prior notice {self.number} on {self.application_id} ({self.measure})"

    @property
    def is_open(self) -> bool:
        return self.status == NoticeStatus.OPEN


class Opinion(models.Model):
    """The company's answer to a prior notice: its opinion with files, and/or a hearing request."""

    notice = models.OneToOneField(
        PriorNotice,
        verbose_name=_("prior notice"),
        on_delete=models.CASCADE,
        related_name="opinion",
    )
    text = models.TextField(_("opinion"), blank=True)
    hearing_requested = models.BooleanField(_("hearing requested"), default=False)
    attachments = models.ManyToManyField(
        Document, verbose_name=_("attachments"), blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")

    def __str__(self) -> str:
        return f"opinion on notice {self.notice_id}"


class Hearing(models.Model):
    """A hearing on a prior notice: when and where (or online), its notice letter, and once held
    who attended and the minutes (text and file)."""

    notice = models.ForeignKey(
        PriorNotice,
        verbose_name=_("prior notice"),
        on_delete=models.CASCADE,
        related_name="hearings",
    )
    scheduled_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place or online link"), max_length=300)
    online = models.BooleanField(_("online"), default=False)
    letter_decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_file = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["notice", "scheduled_at", "id"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")

    def __str__(self) -> str:
        return f"hearing on notice {self.notice_id} at {self.scheduled_at}"


class SuspensionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    RESUMED = "resumed", _("Lifted")
    REVOKED = "revoked", _("Ended by revocation")


class Suspension(models.Model):
    """A suspension with its period (calendar dates in the programme's time zone) and cure
    steps; ends when lifted or by revocation. ``period_ended_at``: the sweep found the period
    over without a cure (the case waits in the decision maker's queue)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="suspensions",
    )
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(
        PriorNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="suspensions"
    )
    urgent = models.ForeignKey(
        UrgentMeasure, on_delete=models.PROTECT, null=True, blank=True, related_name="suspensions"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), db_index=True)
    cure_steps = models.JSONField(_("cure steps"), default=list)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SuspensionStatus.choices,
        default=SuspensionStatus.IN_FORCE,
    )
    times_extended = models.PositiveSmallIntegerField(_("times extended"), default=0)
    period_ended_at = models.DateTimeField(_("period ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="in_force"),
                name="one_suspension_in_force",
            )
        ]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")

    def __str__(self) -> str:
        return f"suspension of {self.application_id} {self.starts_on} – {self.ends_on}"


class ResumptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted: resumed")
    REFUSED = "refused", _("Refused: suspension continues")


class ResumptionRequest(models.Model):
    """The company asks for the suspension to be lifted, with evidence of the cure."""

    suspension = models.ForeignKey(
        Suspension,
        verbose_name=_("suspension"),
        on_delete=models.CASCADE,
        related_name="resumption_requests",
    )
    evidence = models.TextField(_("what was done to cure"))
    attachments = models.ManyToManyField(
        Document, verbose_name=_("evidence files"), blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResumptionStatus.choices,
        default=ResumptionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suspension"],
                condition=models.Q(status="pending"),
                name="one_pending_resumption_request",
            )
        ]
        verbose_name = _("resumption request")
        verbose_name_plural = _("resumption requests")

    def __str__(self) -> str:
        return f"resumption request {self.pk} ({self.status})"
