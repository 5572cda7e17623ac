"""Supervision during the term (DOMAIN §4–5): the programme's supervision settings per track,
the reporting schedule and its reports, incidents, the review of insurance policies, user-notice
evidence, the register of the decision's conditions, and insurance coverage gaps.

Rows only: the rules live in ``schedule.py`` and ``rules.py``, every write in ``services.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, DataItem, Decision, InsuranceProof, Track
from documents.models import Document

# --- programme data -------------------------------------------------------------------------------


class SupervisionSettings(models.Model):
    """How a track's waivers are supervised (configuration as data, edited in the admin). A
    track without these has no reporting schedule and no supervision deadlines."""

    track = models.OneToOneField(
        Track,
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        related_name="supervision_settings",
    )
    report_interval_months = models.PositiveSmallIntegerField(
        _("reporting interval (months)"),
        default=3,
        help_text=_("A periodic report for every so many months of the term; 0 for none."),
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("periodic report due (days after its period)"), default=30
    )
    final_report_days = models.PositiveSmallIntegerField(
        _("final report due (days after the term ends)"),
        null=True,
        blank=True,
        default=30,
        help_text=_("Empty when the track asks for no final (result) report."),
    )
    serious_incident_hours = models.PositiveSmallIntegerField(
        _("serious incidents: report within (hours of detection)"), default=24
    )
    incident_hours = models.PositiveSmallIntegerField(
        _("other incidents: report within (hours of detection)"),
        null=True,
        blank=True,
        default=72,
        help_text=_("Empty: other incidents go into the next periodic report, with no deadline."),
    )
    min_cover_per_person = models.PositiveBigIntegerField(
        _("minimum cover per person (KRW)"), null=True, blank=True
    )
    min_cover_per_accident = models.PositiveBigIntegerField(
        _("minimum cover per accident (KRW)"), null=True, blank=True
    )
    min_cover_aggregate = models.PositiveBigIntegerField(
        _("minimum aggregate cover (KRW)"), null=True, blank=True
    )
    user_notice_required = models.BooleanField(_("user notice required"), default=True)

    class Meta:
        verbose_name = _("supervision settings")
        verbose_name_plural = _("supervision settings")

    def __str__(self) -> str:
        return f"{self.track}"


# --- the reporting schedule and its reports ---------------------------------------------------------


class ReportKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic report")
    FINAL = "final", _("Final (result) report")


class ReportStatus(models.TextChoices):
    DUE = "due", _("To be submitted")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("No longer required")


OPEN_REPORT_STATUSES = (ReportStatus.DUE, ReportStatus.REVISION_REQUESTED)


class Report(models.Model):
    """One report of a waiver's schedule: its period, its due date (a calendar date in the
    programme's time zone) and where the duty comes from (the track, or a numbered condition)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="supervision_reports",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_on = models.DateField(_("due on"), db_index=True)
    condition_number = models.PositiveSmallIntegerField(
        _("condition that asks for it"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ReportStatus.choices, default=ReportStatus.DUE
    )
    reminded_days = models.PositiveSmallIntegerField(
        _("last reminder (days before)"), null=True, blank=True
    )
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["application", "due_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="report_number_unique")
        ]
        indexes = [
            # The open reports by due date (the deadlines page): the accepted ones, nearly all
            # of a waiver's reports in time, are never walked past.
            models.Index(
                fields=["due_on", "id"],
                name="report_open_due",
                condition=models.Q(status__in=sorted(OPEN_REPORT_STATUSES)),
            )
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.kind} report {self.number} of {self.application_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REPORT_STATUSES

    def fileable_on(self, today: dt.date) -> bool:
        """Open, and its period has reached its last day (a report covers a period gone by)."""
        return self.is_open and today >= self.period_end


class ReviewOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")


class ReportSubmission(models.Model):
    """One filing of a report (a revision is a new filing); the officer's review is on it."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField(_("filing"), default=1)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    users_served = models.PositiveIntegerField(_("users served"))
    transactions = models.PositiveBigIntegerField(_("transactions or uses"))
    complaints = models.PositiveIntegerField(_("consumer complaints"))
    complaints_summary = models.TextField(_("complaints and how they were handled"), blank=True)
    incidents_summary = models.TextField(_("incidents in the period"), blank=True)
    problems = models.TextField(_("problems and changes"), blank=True)
    attachments = models.ManyToManyField(
        Document, verbose_name=_("attachments"), blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    outcome = models.CharField(
        _("review outcome"), max_length=24, choices=ReviewOutcome.choices, blank=True
    )
    review_reasons = models.TextField(_("reviewer's reasons"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("report filing")
        verbose_name_plural = _("report filings")

    def __str__(self) -> str:
        return f"filing {self.number} of report {self.report_id}"


class ReportValue(models.Model):
    """The value of one test-plan data item in a filing (its name and unit copied, so the filing
    reads the same whatever happens to the plan)."""

    submission = models.ForeignKey(
        ReportSubmission, on_delete=models.CASCADE, related_name="values"
    )
    data_item = models.ForeignKey(
        DataItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("data item"), max_length=200)
    unit = models.CharField(_("unit"), max_length=100)
    value = models.CharField(_("value"), max_length=200)

    class Meta:
        ordering = ["submission", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.value} {self.unit}"


# --- incidents ---------------------------------------------------------------------------------------


class IncidentCategory(models.TextChoices):
    SAFETY = "safety", _("Safety")
    HEALTH = "health", _("Health")
    FINANCIAL = "financial", _("Financial loss")
    DATA = "data", _("Personal data or security")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    MODERATE = "moderate", _("Moderate")
    MINOR = "minor", _("Minor")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    AWAITING_ANSWER = "awaiting_answer", _("Question to the company")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """An incident the company reports during the term (DOMAIN §5.2)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="incidents",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    category = models.CharField(_("category"), max_length=16, choices=IncidentCategory.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    detected_at = models.DateTimeField(_("detected at"))
    reported_at = models.DateTimeField(_("reported at"))
    affected_users = models.PositiveIntegerField(_("users affected"))
    description = models.TextField(_("what happened"))
    actions_taken = models.TextField(_("what was done at once"))
    corrective_actions = models.TextField(_("corrective actions"), blank=True)
    deadline_hours = models.PositiveSmallIntegerField(
        _("reporting deadline (hours)"), null=True, blank=True
    )
    late = models.BooleanField(_("reported late"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attachments = models.ManyToManyField(
        Document, verbose_name=_("attachments"), blank=True, related_name="+"
    )
    sanctions = models.ManyToManyField(
        Decision,
        verbose_name=_("sanctions it is a ground of"),
        blank=True,
        related_name="incident_grounds",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["application", "-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="incident_number_unique")
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"incident {self.number} of {self.application_id}"

    @property
    def is_serious(self) -> bool:
        return self.severity == Severity.SERIOUS


class MessageKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledged")
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")
    CLOSURE = "closure", _("Closed")


class IncidentMessage(models.Model):
    """What staff and the company say about an incident, in order."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(_("role"), max_length=32)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"


# --- reviews of what the company files: insurance policies and user notices ----------------------------


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class InsurancePolicy(models.Model):
    """Supervision's part of an insurance proof (the kernel's ``InsuranceProof`` keeps the
    insurer, policy number, period and amounts): its certificate and the officer's review. A
    proof filed without one is awaiting review and has no certificate."""

    proof = models.OneToOneField(
        InsuranceProof,
        verbose_name=_("insurance proof"),
        on_delete=models.CASCADE,
        related_name="policy",
    )
    certificate = models.ForeignKey(
        Document,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    review_reasons = models.TextField(_("reviewer's reasons"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")

    def __str__(self) -> str:
        return f"policy of proof {self.proof_id} ({self.status})"


class UserNotice(models.Model):
    """Evidence of how users are told about the waiver (its term, contents and a contact point):
    channels, the notice text, a URL and screenshots."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="user_notices",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    channels = models.TextField(_("how users are told"))
    notice_text = models.TextField(_("the notice text"))
    url = models.URLField(_("where it is shown (URL)"), max_length=500, blank=True)
    attachments = models.ManyToManyField(
        Document, verbose_name=_("screenshots"), blank=True, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"))
    status = models.CharField(
        _("status"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    review_reasons = models.TextField(_("reviewer's reasons"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="user_notice_number_unique"
            )
        ]
        verbose_name = _("user notice")
        verbose_name_plural = _("user notices")

    def __str__(self) -> str:
        return f"user notice {self.number} of {self.application_id}"


# --- the conditions register ------------------------------------------------------------------------


class ConditionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class ConditionRecord(models.Model):
    """One numbered condition of the approval, with its status, evidence and the officer's
    note."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="condition_records",
    )
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("condition"))
    status = models.CharField(
        _("status"), max_length=16, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    evidence = models.TextField(_("evidence"), blank=True)
    note = models.TextField(_("officer's note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="condition_number_unique"
            )
        ]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return f"condition {self.number} of {self.application_id}"


# --- insurance coverage gaps -----------------------------------------------------------------------


class CoverageGap(models.Model):
    """The deadline sweep found that insurance ends before the term does (say, after an
    extension): flagged once per (term end, covered until), with reminders before the cover
    lapses. ``covered_until`` is None when no policy that was not returned is on file."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="coverage_gaps"
    )
    term_end = models.DateField(_("term end"))
    covered_until = models.DateField(_("covered until"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"))
    reminded_days = models.PositiveSmallIntegerField(
        _("last reminder (days before)"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "flagged_at"]

    def __str__(self) -> str:
        return f"coverage gap of {self.application_id} until {self.covered_until}"


# --- what awaits staff on a case (kept by the services) --------------------------------------------


class CaseAttention(models.Model):
    """Supervision work waiting for staff on one case, kept current by the services in the
    transaction of each change (``services.attention_refresh``): the review queue's
    *Supervision* tab and its count read these few rows instead of every waiver's reports,
    incidents and filings (``selectors.attention_q``; the definition they are kept equal to is
    ``selectors.attention_sources_q``). A case with nothing waiting has no row."""

    # ``attention`` from the case: the queue's condition joins it (``selectors.attention_q``).
    application = models.OneToOneField(
        Application, primary_key=True, on_delete=models.CASCADE, related_name="attention"
    )
    # A report awaiting review or flagged overdue, an incident awaiting staff or serious and
    # open, an insurance gap not resolved for the current term end.
    work = models.BooleanField(default=False)
    # An insurance policy or a user notice awaiting review (counted only while the term runs).
    filings = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("supervision work waiting")
        verbose_name_plural = _("supervision work waiting")

    def __str__(self) -> str:
        return f"supervision work waiting on {self.application_id}"
