"""Programmes, organisations, applications and everything recorded about a case.

Models hold fields, constraints and the django-fsm transitions (which only change fields);
the rules live in ``workflow.py`` and ``permissions.py``, every write in ``services.py``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from applications import permissions as perms
from applications.workflow import (
    IN_FORCE,
    RUNNING_CLOCK,
    WITHDRAWABLE,
    ApplicationStatus,
    ConfirmationOutcome,
    RecommendationOutcome,
    TrackKind,
    is_confirmation_track,
    is_exemption_track,
)

S = ApplicationStatus
CLOCKED = RUNNING_CLOCK | {S.SUPPLEMENT_REQUESTED}


def in_active_language(korean: str, english: str) -> str:
    """Data kept in both languages (names, statutes): the English text while English is the
    active language and an English text exists, otherwise the Korean one."""
    if english and (translation.get_language() or "").startswith("en"):
        return english
    return korean or english


class Language(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class Ministry(models.Model):
    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return in_active_language(self.name, self.name_en)


class Program(models.Model):
    """One sandbox field run by one lead ministry (e.g. ICT convergence, MSIT)."""

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("Prefix of reference numbers, e.g. ICT gives ICT-2026-00042."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    lead_ministry = models.ForeignKey(
        Ministry, on_delete=models.PROTECT, related_name="programs", verbose_name=_("lead ministry")
    )
    statute = models.CharField(_("statute"), max_length=300)
    statute_en = models.CharField(_("statute in English"), max_length=300, blank=True)
    committee = models.CharField(_("deciding committee"), max_length=300, blank=True)
    committee_en = models.CharField(_("deciding committee in English"), max_length=300, blank=True)
    authority = models.CharField(_("issuing authority (signatory)"), max_length=200, blank=True)
    authority_en = models.CharField(_("issuing authority in English"), max_length=200, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    is_active = models.BooleanField(_("accepting applications"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return in_active_language(self.name, self.name_en)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The calendar date of ``moment`` in the programme's time zone."""
        return moment.astimezone(self.tz).date()


class Track(models.Model):
    """A kind of request inside a programme, with all its timings as data (DESIGN §2)."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="tracks"
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=TrackKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    help = models.TextField(_("plain-language help"), blank=True)
    help_en = models.TextField(_("plain-language help in English"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    review_days = models.PositiveIntegerField(
        _("review days"), help_text=_("Days from submission to the answer or review result.")
    )
    consultation_days = models.PositiveIntegerField(
        _("consultation days"), help_text=_("Days a related ministry has to give its opinion.")
    )
    agenda_days = models.PositiveIntegerField(
        _("agenda days"),
        null=True,
        blank=True,
        help_text=_(
            "Days from submission until the case must be put to the committee; empty where no "
            "committee decides (the review days are then the statutory deadline)."
        ),
    )
    supplement_response_days = models.PositiveIntegerField(_("supplement response days"))
    max_term_days = models.PositiveIntegerField(_("maximum term (days)"), default=0)
    max_extensions = models.PositiveIntegerField(_("maximum extensions"), default=0)
    extension_term_days = models.PositiveIntegerField(_("extension term (days)"), default=0)
    deemed_outcome = models.CharField(
        _("deemed outcome when the regulator is silent"),
        max_length=32,
        choices=ConfirmationOutcome.choices,
        blank=True,
    )
    law_amendment_lead_days = models.PositiveIntegerField(
        _("law-amendment request lead days"),
        default=0,
        help_text=_("A law-amendment request must come at least this many days before expiry."),
    )
    insurance_required = models.BooleanField(_("liability insurance required"), default=False)
    reconsideration_days = models.PositiveIntegerField(
        _("reconsideration window (days)"), default=30
    )
    required_document_types = models.JSONField(
        _("required document types"), default=list, blank=True
    )
    is_active = models.BooleanField(_("accepting applications"), default=True)

    class Meta:
        ordering = ["program__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "code"], name="track_code_unique_per_program"
            )
        ]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self) -> str:
        return f"{self.program.code} / {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return in_active_language(self.name, self.name_en)

    @property
    def statutory_days(self) -> int:
        """Days on the statutory clock: the agenda deadline where a committee decides."""
        return self.agenda_days if self.agenda_days else self.review_days


class Organization(models.Model):
    name = models.CharField(_("organisation name"), max_length=200)
    registration_number = models.CharField(
        _("business registration number"), max_length=32, unique=True
    )
    representative = models.CharField(_("representative"), max_length=200)
    address = models.CharField(_("address"), max_length=400)
    language = models.CharField(
        _("language for letters and email"),
        max_length=2,
        choices=Language.choices,
        default=Language.KOREAN,
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="Membership",
        related_name="organizations",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_owner = models.BooleanField(_("may invite colleagues"), default=False)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class StaffProfile(models.Model):
    """Ministry staff (case officers, consultees, decision makers) belong to one ministry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    ministry = models.ForeignKey(
        Ministry, verbose_name=_("ministry"), on_delete=models.PROTECT, related_name="staff"
    )
    title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.ministry.code})"


STATUS_IS_PROTECTED = (
    "Application.status changes only through its transitions (the services in "
    "applications/services.py), never by a direct write."
)


class ApplicationQuerySet(models.QuerySet["Application"]):
    """Bulk writes that would set ``status`` are refused, as assigning the field is."""

    def update(self, **kwargs: Any) -> int:
        if "status" in kwargs:
            raise PermissionError(STATUS_IS_PROTECTED)
        return super().update(**kwargs)

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        fields = list(fields)
        if "status" in fields:
            raise PermissionError(STATUS_IS_PROTECTED)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        if any(obj.status != S.DRAFT for obj in objs):
            raise PermissionError(STATUS_IS_PROTECTED)
        return super().bulk_create(objs, *args, **kwargs)


class Application(ConcurrentTransitionMixin, models.Model):
    """One case: a startup's request under one track of one programme.

    ``status`` is a protected django-fsm field: assigning it raises ``AttributeError``; a case
    is created as a draft (creating one in another status raises ``PermissionError``) and
    ``QuerySet.update``/``bulk_update`` refuse it. Only the transitions below change it, and only
    the services in ``services.py`` call them.
    """

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="applications"
    )
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="applications"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = FSMField(
        _("status"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )

    # Service and technology
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    service_description = models.TextField(_("service description"), blank=True)
    technology_description = models.TextField(_("technology description"), blank=True)
    development_stage = models.CharField(_("development stage"), max_length=200, blank=True)
    user_benefit = models.TextField(_("benefit to users"), blank=True)
    business_model = models.TextField(_("business model"), blank=True)

    # Requested scope
    requested_start = models.DateField(_("requested start"), null=True, blank=True)
    requested_term_days = models.PositiveIntegerField(
        _("requested period (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    region = models.CharField(_("region or sites"), max_length=400, blank=True)
    scale = models.CharField(_("scale"), max_length=400, blank=True)
    max_users = models.PositiveIntegerField(_("maximum users"), null=True, blank=True)
    test_plan = models.TextField(_("test objectives and data to collect"), blank=True)

    # Safety and user protection
    safety_plan = models.TextField(_("safety plan and risk assessment"), blank=True)
    user_protection = models.TextField(_("user protection and notice"), blank=True)
    data_protection = models.TextField(_("data protection"), blank=True)
    exit_plan = models.TextField(_("exit and wind-down plan"), blank=True)

    # Insurance
    insurance_plan = models.TextField(_("liability insurance"), blank=True)
    insurer = models.CharField(_("insurer"), max_length=200, blank=True)
    insured_amount = models.PositiveBigIntegerField(
        _("insured amount (KRW)"), null=True, blank=True
    )

    # Declarations
    declaration_truthful = models.BooleanField(
        _("I declare the information given is true and complete"), default=False
    )
    declaration_consent = models.BooleanField(
        _("I consent to supervision, data requests and inspections"), default=False
    )

    # Review
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_applications",
    )
    confirmation_outcome = models.CharField(
        _("confirmation outcome"), max_length=32, choices=ConfirmationOutcome.choices, blank=True
    )

    # Statutory clock (UTC timestamps)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("statutory deadline"), null=True, blank=True, db_index=True)
    clock_paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    clock_paused_seconds = models.PositiveBigIntegerField(_("paused seconds"), default=0)
    supplement_due_at = models.DateTimeField(_("supplement due"), null=True, blank=True)

    # Decision and term (dates in the programme's time zone)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True, db_index=True)
    extensions_used = models.PositiveIntegerField(_("extensions used"), default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["status", "due_at"], name="application_status_due")]

    def __str__(self) -> str:
        return f"{self.reference or _('draft')} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.status != S.DRAFT:
            raise PermissionError(STATUS_IS_PROTECTED)
        super().save(*args, **kwargs)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reload from the database without django-fsm's refresh, which switches the status
        field's protection off class-wide and so races between threads of one process (a
        concurrent reload then fails with "Direct status modification is not allowed").
        Dropping this instance's cached status lets the reload set it; nothing else changes."""
        status = self.__dict__.pop("status", None)
        try:
            models.Model.refresh_from_db(self, *args, **kwargs)
        finally:
            if "status" not in self.__dict__ and status is not None:
                self.__dict__["status"] = status  # the reload skipped it (``fields=``)

    # --- statutory clock ----------------------------------------------------------------

    def clock_follow(self, source: str, target: str, at: dt.datetime) -> None:
        """Pause the clock when leaving a running status; resume (moving the deadline) on return."""
        if self.due_at is None:
            return
        if source in RUNNING_CLOCK and target not in RUNNING_CLOCK:
            self.clock_paused_at = at
        elif source not in RUNNING_CLOCK and target in RUNNING_CLOCK and self.clock_paused_at:
            paused = at - self.clock_paused_at
            self.clock_paused_seconds += int(paused.total_seconds())
            self.due_at = self.due_at + paused
            self.clock_paused_at = None

    def days_remaining(self, now: dt.datetime | None = None) -> int | None:
        """Whole days left on the statutory clock (negative when overdue; frozen when paused)."""
        if self.due_at is None or self.status not in CLOCKED:
            return None
        reference = self.clock_paused_at or now or timezone.now()
        return (self.due_at - reference).days

    @property
    def clock_running(self) -> bool:
        return self.due_at is not None and self.clock_paused_at is None

    # --- transitions: they only change fields; services lock, check, save and audit ------

    @transition(
        field=status,
        source=S.DRAFT,
        target=S.SUBMITTED,
        permission=perms.as_fsm(perms.can_submit_application),
    )
    def submit(self, *, at: dt.datetime, reference: str) -> None:
        """Applicant submits a complete draft: reference number assigned, statutory clock starts."""
        self.reference = reference
        self.submitted_at = at
        self.due_at = at + dt.timedelta(days=self.track.statutory_days)

    @transition(
        field=status,
        source=[S.SUBMITTED, S.UNDER_REVIEW],
        target=S.SUPPLEMENT_REQUESTED,
        permission=perms.as_fsm(perms.can_request_supplement),
    )
    def request_supplement(self, *, due_at: dt.datetime) -> None:
        """Case officer asks for missing material; the clock pauses until the answer."""
        self.supplement_due_at = due_at

    @transition(
        field=status,
        source=S.SUPPLEMENT_REQUESTED,
        target=S.SUBMITTED,
        permission=perms.as_fsm(perms.can_answer_supplement),
    )
    def answer_supplement(self) -> None:
        """Applicant answers the supplement request; the clock resumes."""
        self.supplement_due_at = None

    @transition(
        field=status,
        source=S.SUPPLEMENT_REQUESTED,
        target=S.WITHDRAWN,
        permission=perms.as_fsm(perms.system_only),
    )
    def lapse(self) -> None:
        """System: the supplement response deadline passed; the case is withdrawn."""
        self.supplement_due_at = None

    @transition(
        field=status,
        source=S.SUBMITTED,
        target=S.UNDER_REVIEW,
        permission=perms.as_fsm(perms.can_accept_application),
    )
    def accept(self, *, officer: Any) -> None:
        """Case officer confirms completeness and takes the case (no conflict of interest)."""
        self.assigned_officer = officer

    @transition(
        field=status,
        source=S.UNDER_REVIEW,
        target=S.CONFIRMED,
        conditions=[is_confirmation_track],
        permission=perms.as_fsm(perms.can_review_application),
    )
    def answer_confirmation(self, *, outcome: str, at: dt.datetime) -> None:
        """Case officer answers a fast-confirmation request."""
        self.confirmation_outcome = outcome
        self.decided_at = at

    @transition(
        field=status,
        source=[S.SUBMITTED, S.UNDER_REVIEW],
        target=S.CONFIRMED,
        conditions=[is_confirmation_track],
        permission=perms.as_fsm(perms.system_only),
    )
    def deem_confirmed(self, *, outcome: str, at: dt.datetime) -> None:
        """System: the answer deadline passed in silence; the track's deemed outcome applies."""
        self.confirmation_outcome = outcome
        self.decided_at = at

    @transition(
        field=status,
        source=S.UNDER_REVIEW,
        target=S.DELIBERATION,
        conditions=[is_exemption_track],
        permission=perms.as_fsm(perms.can_review_application),
    )
    def recommend(self) -> None:
        """Case officer records a recommendation and puts the case to the committee."""

    @transition(
        field=status,
        source=S.DELIBERATION,
        target=S.APPROVED,
        permission=perms.as_fsm(perms.can_decide_application),
    )
    def approve(self, *, at: dt.datetime, term_start: dt.date, term_end: dt.date) -> None:
        """Decision maker approves with a term within the track maximum."""
        self.decided_at = at
        self.term_start = term_start
        self.term_end = term_end

    @transition(
        field=status,
        source=S.DELIBERATION,
        target=S.REJECTED,
        permission=perms.as_fsm(perms.can_decide_application),
    )
    def reject(self, *, at: dt.datetime) -> None:
        """Decision maker rejects, giving reasons."""
        self.decided_at = at

    @transition(
        field=status,
        source=S.DELIBERATION,
        target=S.UNDER_REVIEW,
        permission=perms.as_fsm(perms.can_decide_application),
    )
    def remand(self) -> None:
        """Decision maker sends the case back to review, giving a reason."""

    @transition(
        field=status,
        source=S.REJECTED,
        target=S.DELIBERATION,
        permission=perms.as_fsm(perms.can_act_for_applicant),
    )
    def request_reconsideration(self) -> None:
        """Applicant asks the committee to reconsider a rejection (within the window)."""

    @transition(
        field=status,
        source=S.APPROVED,
        target=S.ACTIVE,
        permission=perms.as_fsm(perms.can_activate_application),
    )
    def activate(self) -> None:
        """Case officer starts the term once insurance proof covers it (if the track requires)."""

    @transition(
        field=status,
        source=S.APPROVED,
        target=S.APPROVED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    @transition(
        field=status,
        source=S.ACTIVE,
        target=S.ACTIVE,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def extend(self, *, new_end: dt.date) -> None:
        """Decision maker grants a pending extension request: the term end moves."""
        self.term_end = new_end
        self.extensions_used += 1

    @transition(
        field=status,
        source=S.ACTIVE,
        target=S.SUSPENDED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def suspend(self) -> None:
        """Decision maker suspends an active waiver, giving a reason."""

    @transition(
        field=status,
        source=S.SUSPENDED,
        target=S.ACTIVE,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def resume(self) -> None:
        """Decision maker lifts a suspension, giving a reason."""

    @transition(
        field=status,
        source=[S.ACTIVE, S.SUSPENDED],
        target=S.REVOKED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def revoke(self) -> None:
        """Decision maker revokes the waiver on stated grounds."""

    @transition(
        field=status,
        source=S.ACTIVE,
        target=S.CONTINUING,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def request_law_amendment(self) -> None:
        """Decision maker accepts the applicant's law-amendment request: expiry no longer applies."""

    @transition(
        field=status,
        source=S.CONTINUING,
        target=S.REGULARIZED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def regularize(self) -> None:
        """Decision maker records that the amended law is in force."""

    @transition(
        field=status,
        source=list(IN_FORCE),
        target=S.EXPIRED,
        permission=perms.as_fsm(perms.system_only),
    )
    def expire(self) -> None:
        """System: the term ended with no extension or law-amendment request pending."""

    @transition(
        field=status,
        source=list(WITHDRAWABLE),
        target=S.WITHDRAWN,
        permission=perms.as_fsm(perms.can_act_for_applicant),
    )
    def withdraw(self) -> None:
        """Applicant withdraws the case before a decision."""


class RegulationGround(models.TextChoices):
    NO_STANDARD = "no_standard", _("No standard or criteria exist for the permit")
    UNSUITABLE = "unsuitable", _("Applying the existing standard is unsuitable")
    PROHIBITED = "prohibited", _("Another law makes it impossible or prohibited")
    UNCLEAR = "unclear", _("Unclear whether a permit is needed")


class RegulationConcerned(models.Model):
    """A regulation that blocks the service: statute, article, competent ministry, why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="regulations"
    )
    position = models.PositiveSmallIntegerField(default=1)
    statute = models.CharField(_("statute"), max_length=300)
    article = models.CharField(_("article"), max_length=100)
    competent_ministry = models.ForeignKey(
        Ministry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competent ministry"),
    )
    requirement = models.TextField(_("what the regulation requires"), blank=True)
    ground = models.CharField(
        _("ground"), max_length=20, choices=RegulationGround.choices, blank=True
    )
    reason = models.TextField(_("why it blocks the service"))

    class Meta:
        ordering = ["application", "position", "id"]
        verbose_name = _("regulation concerned")
        verbose_name_plural = _("regulations concerned")

    def __str__(self) -> str:
        return f"{self.statute} {self.article}"


class SupplementRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="supplement_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    deficiencies = models.JSONField(_("deficiencies"), default=list)
    due_at = models.DateTimeField(_("response deadline"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_message = models.TextField(blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"supplement request {self.pk} on {self.application_id}"


class ConsultationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting opinion")
    ANSWERED = "answered", _("Answered")
    LAPSED = "lapsed", _("Lapsed")


class Opinion(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _("Agree with conditions")
    OBJECT = "object", _("Object")
    NO_OPINION_DEEMED = "no_opinion_deemed", _("No opinion (deemed)")


class Consultation(models.Model):
    """An opinion request to a related ministry, with its own deadline."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="consultations"
    )
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="consultations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    question = models.TextField(_("question"), blank=True)
    status = models.CharField(
        max_length=16, choices=ConsultationStatus.choices, default=ConsultationStatus.PENDING
    )
    opinion = models.CharField(max_length=32, choices=Opinion.choices, blank=True)
    reasons = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "ministry"],
                condition=models.Q(status="pending"),
                name="one_pending_consultation_per_ministry",
            )
        ]

    def __str__(self) -> str:
        return f"consultation of ministry {self.ministry_id} on {self.application_id}"


class Recommendation(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="recommendations"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=RecommendationOutcome.choices)
    proposed_term_days = models.PositiveIntegerField(null=True, blank=True)
    proposed_conditions = models.JSONField(default=list, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} recommendation on {self.application_id}"


class DecisionKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    REJECTION = "rejection", _("Rejection")
    REMAND = "remand", _("Remand")
    CONFIRMATION = "confirmation", _("Confirmation answer")
    DEEMED_CONFIRMATION = "deemed_confirmation", _("Deemed confirmation")
    EXTENSION = "extension", _("Extension")
    SUSPENSION = "suspension", _("Suspension")
    RESUMPTION = "resumption", _("Resumption")
    REVOCATION = "revocation", _("Revocation")
    LAW_AMENDMENT = "law_amendment", _("Continuation pending law amendment")
    REGULARIZATION = "regularization", _("Regularization")
    EXPIRY = "expiry", _("Expiry")


class Decision(models.Model):
    """A decision with legal effect on the case; letters are issued for these."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=32, choices=DecisionKind.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField()
    committee_reference = models.CharField(_("committee reference"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    term_start = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    exempted_provisions = models.JSONField(default=list, blank=True)
    reasons = models.TextField(blank=True)
    confirmation_outcome = models.CharField(
        max_length=32, choices=ConfirmationOutcome.choices, blank=True
    )
    permits = models.TextField(_("permits that apply"), blank=True)
    competent_authority = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} decision on {self.application_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class ExtensionRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    new_end = models.DateField(_("requested new end date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="pending"),
                name="one_pending_extension_request",
            )
        ]

    def __str__(self) -> str:
        return f"extension to {self.new_end} ({self.status})"


class LawAmendmentRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="law_amendment_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    reason = models.TextField(_("which law should change and why"))
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="pending"),
                name="one_pending_law_amendment_request",
            )
        ]

    def __str__(self) -> str:
        return f"law-amendment request {self.pk} ({self.status})"


class InsuranceProof(models.Model):
    """Proof of liability insurance; activation needs one covering the whole term."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="insurance_proofs"
    )
    insurer = models.CharField(_("insurer"), max_length=200)
    policy_number = models.CharField(_("policy number"), max_length=100)
    coverage_start = models.DateField(_("cover starts"))
    coverage_end = models.DateField(_("cover ends"))
    insured_amount = models.PositiveBigIntegerField(_("insured amount (KRW)"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-added_at", "-id"]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"


class ReferenceCounter(models.Model):
    """Last reference number handed out per programme and year (locked while incremented)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.year}: {self.last_number}"


# --- Audit trail -------------------------------------------------------------------------


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only: they cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One link of the tamper-evident chain: hash = SHA-256(prev_hash + canonical JSON)."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    occurred_at = models.DateTimeField(
        _("occurred at"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    actor_role = models.CharField(_("actor role"), max_length=32)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    from_status = models.CharField(_("from status"), max_length=32, blank=True)
    to_status = models.CharField(_("to status"), max_length=32, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["application", "seq"], name="auditevent_app_seq")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The chain's last link; locking this row serialises appends so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq} {self.hash[:12]}"
