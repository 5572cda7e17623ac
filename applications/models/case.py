"""The case: one ``Application`` with its protected status, the django-fsm transitions (which
only change fields; the services lock, check, save and audit) and its statutory clock.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from applications import permissions as perms
from applications.models.parties import Organization
from applications.models.programmes import Language, Program, Track
from applications.workflow import (
    IN_FORCE,
    OPEN_FOR_OFFICER,
    RUNNING_CLOCK,
    WITHDRAWABLE,
    ApplicationStatus,
    ConfirmationOutcome,
    SimilarityDecision,
    is_confirmation_track,
    is_convertible,
    is_exemption_track,
    resumes_to_active,
    resumes_to_continuing,
)

S = ApplicationStatus


CLOCKED = RUNNING_CLOCK | {S.SUPPLEMENT_REQUESTED}


STATUS_IS_PROTECTED = (
    "Application.status changes only through its transitions (the services in "
    "applications/services/), never by a direct write."
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

    def transition_update(self, *, sources: Iterable[str], **values: Any) -> int:
        """One statement for a transition of many locked cases (the sweep's batch actions,
        ``services.kernel.run_transitions``): only rows still in one of ``sources`` change, as
        ``ConcurrentTransitionMixin`` requires of one row's save. Returns the rows changed."""
        return models.QuerySet.update(self.filter(status__in=list(sources)), **values)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        if any(obj.status != S.DRAFT for obj in objs):
            raise PermissionError(STATUS_IS_PROTECTED)
        return super().bulk_create(objs, *args, **kwargs)


# The deadline sweep's reminder stages before a term (or a capped continuation) ends, in days:
# each is a bit of ``Application.expiry_reminders_sent`` and ``continuation_reminders_sent``
# (90 → 1, 30 → 2, 7 → 4).
REMINDER_STAGES: tuple[int, ...] = (90, 30, 7)


def reminder_bit(days: int) -> int:
    return 1 << REMINDER_STAGES.index(days)


def not_reminded_values(days: int) -> list[int]:
    """The values of a reminders-sent column without the bit of the ``days`` stage (a list,
    not a bitwise test, so that a condition on it can use an index)."""
    bit = reminder_bit(days)
    return [value for value in range(1 << len(REMINDER_STAGES)) if not value & bit]


@functools.cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class Application(ConcurrentTransitionMixin, models.Model):
    """One case: a startup's request under one track of one programme.

    ``status`` is a protected django-fsm field: assigning it raises ``AttributeError``; a case
    is created as a draft (creating one in another status raises ``PermissionError``) and
    ``QuerySet.update``/``bulk_update`` refuse it. Only the transitions below change it, and only
    the services in ``applications/services/`` call them.
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
    problem_solved = models.TextField(_("problem the service solves"), blank=True)
    existing_offers = models.TextField(_("comparison with existing offers"), blank=True)

    # Fast review (DOMAIN §1): the approved waiver the applicant says this case resembles (its
    # number as the public register shows it), and the officer's answer.
    similar_reference = models.CharField(
        _("number of a similar approved waiver"), max_length=32, blank=True
    )
    similar_to = models.ForeignKey(
        "self",
        verbose_name=_("similar approved waiver"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    similarity_decision = models.CharField(
        _("similarity"), max_length=16, choices=SimilarityDecision.choices, blank=True
    )
    similarity_reason = models.TextField(_("reasons for the similarity answer"), blank=True)
    similarity_decided_at = models.DateTimeField(_("similarity answered at"), null=True, blank=True)

    # The organisation's company profile as it stood at submission (``workflow.PROFILE_FIELDS``).
    company_profile = models.JSONField(_("company profile at submission"), default=dict, blank=True)

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
    # Where a suspension returns to (``active`` or ``continuing``), set by ``suspend``.
    suspended_from = models.CharField(
        _("suspended from"), max_length=32, choices=S.choices, blank=True
    )
    # The last day a continuation pending law amendment may run (the track's cap), if capped.
    continuation_until = models.DateField(_("continuation until"), null=True, blank=True)
    # The deadline sweep's reminders this case has had (``deadlines.REMINDER_DAYS``: one bit per
    # stage, 90 days → 1, 30 → 2, 7 → 4), set by the reminder's service in the transaction that
    # records its audit event, so the sweep asks an index instead of reading the trail. An
    # extension clears the expiry reminders (``extend``): the new end has its own.
    expiry_reminders_sent = models.PositiveSmallIntegerField(
        _("expiry reminders sent"), default=0, editable=False
    )
    continuation_reminders_sent = models.PositiveSmallIntegerField(
        _("continuation cap reminders sent"), default=0, editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["status", "due_at"], name="application_status_due"),
            # The API's date filters (submitted, decided on or after / before a day): a range
            # of moments, so a narrow one reads only its cases (``api.base.LocalDayFilter``).
            models.Index(fields=["submitted_at"], name="application_submitted_at"),
            models.Index(fields=["decided_at"], name="application_decided_at"),
            # The queue's tab counts (issue 18): a status's cases in a ministry's led
            # programmes, read from the index alone on PostgreSQL (*New*, *Active waivers*,
            # *All*), where a scan of the table read ten times the cases it counted.
            models.Index(fields=["status", "program"], name="application_status_program"),
            # The review queue (issue 18): an officer's cases by status and deadline, for the
            # "mine" tab and the workload panel's capped counts (read from the index alone on
            # PostgreSQL: the overdue test needs the pause too, *Mine*'s count the programme).
            models.Index(
                fields=["assigned_officer", "status", "due_at"],
                include=["clock_paused_at", "program"],
                name="application_officer_status_due",
            ),
            # *Mine*'s rows: an officer's open cases in deadline order, read from the index
            # whether the officer has five or five thousand (by the officer and status index,
            # PostgreSQL walked every case by deadline for an officer with few).
            models.Index(
                fields=["assigned_officer", "due_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_FOR_OFFICER)),
                name="application_officer_open_due",
            ),
            # The deadline sweep's term rules, on waivers in force only (partial: an expired
            # waiver has no entry, so "whose last day has passed?" reads only what is due).
            # The expiry rule (and the staff deadlines panel) by last day …
            models.Index(
                fields=["term_end"],
                condition=models.Q(status__in=IN_FORCE),
                name="application_in_force_term_end",
            ),
            # … and the expiry reminders: one per stage, holding the waivers not yet reminded
            # at that stage, by last day, so a sweep with nothing due reads no case in a
            # reminder window (the sweep asks with the same list of values).
            *(
                models.Index(
                    fields=["term_end"],
                    condition=models.Q(status__in=IN_FORCE)
                    & models.Q(expiry_reminders_sent__in=not_reminded_values(days)),
                    name=f"application_expiry_reminder_{days}",
                )
                for days in REMINDER_STAGES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or _('draft')} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.status != S.DRAFT:
            raise PermissionError(STATUS_IS_PROTECTED)
        super().save(*args, **kwargs)

    @property
    def state_fields(self) -> tuple[FSMFieldMixin, ...]:
        """The model's state fields (``status``) for ``ConcurrentTransitionMixin``, found once
        per class: django-fsm's own property filters every field of the model, and the mixin
        asks for it each time an instance is made (every row a query reads)."""
        return _state_fields(type(self))

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reload from the database without django-fsm's refresh, which switches the status
        field's protection off class-wide and so races between threads of one process (a
        concurrent reload then fails with "Direct status modification is not allowed").
        Dropping this instance's cached status lets the reload set it; nothing else changes."""
        status = self.__dict__.pop("status", None)
        self.__dict__.pop(perms.CONFLICTS_CACHE, None)
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
    def submit(self, *, at: dt.datetime, company_profile: dict[str, Any]) -> None:
        """Applicant submits a complete draft: statutory clock starts, the company profile is
        kept as it stands (the reference number is assigned when the submission's event is
        appended: ``intake.application_submit``)."""
        self.company_profile = company_profile
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
        """Decision maker grants a pending extension request: the term end moves, and the
        reminders before the end start again for the new one."""
        self.term_end = new_end
        self.extensions_used += 1
        self.expiry_reminders_sent = 0

    @transition(
        field=status,
        source=[S.ACTIVE, S.CONTINUING],
        target=S.SUSPENDED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def suspend(self) -> None:
        """Decision maker suspends the waiver after the due-process procedure (or urgently);
        where it was is kept so that resumption returns there."""
        self.suspended_from = self.status

    @transition(
        field=status,
        source=S.SUSPENDED,
        target=S.ACTIVE,
        conditions=[resumes_to_active],
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def resume(self) -> None:
        """Decision maker lifts the suspension of an active waiver, giving a reason."""
        self.suspended_from = ""

    @transition(
        field=status,
        source=S.SUSPENDED,
        target=S.CONTINUING,
        conditions=[resumes_to_continuing],
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def resume_continuing(self) -> None:
        """Decision maker lifts the suspension of a continuing waiver: it continues again."""
        self.suspended_from = ""

    @transition(
        field=status,
        source=S.SUSPENDED,
        target=S.SUSPENDED,
        permission=perms.as_fsm(perms.system_only),
    )
    def suspension_ends(self) -> None:
        """System: the suspension's period ran out without a cure; the decision maker decides."""

    @transition(
        field=status,
        source=[S.ACTIVE, S.SUSPENDED, S.CONTINUING],
        target=S.REVOKED,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def revoke(self) -> None:
        """Decision maker revokes the waiver on stated grounds, after the prior notice."""

    @transition(
        field=status,
        source=S.ACTIVE,
        target=S.CONTINUING,
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def request_law_amendment(self, *, continuation_until: dt.date | None = None) -> None:
        """Decision maker accepts the applicant's law-amendment request: expiry no longer applies
        (until the track's cap, where it sets one)."""
        self.continuation_until = continuation_until

    @transition(
        field=status,
        source=S.ACTIVE,
        target=S.ACTIVE,
        conditions=[is_convertible],
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    @transition(
        field=status,
        source=S.CONTINUING,
        target=S.CONTINUING,
        conditions=[is_convertible],
        permission=perms.as_fsm(perms.can_decide_in_force),
    )
    def convert(self, *, track: Track) -> None:
        """Decision maker converts a demonstration exemption into a temporary permit (the
        track's conversion track): same case, a new decision and letter."""
        self.track = track

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
        source=S.CONTINUING,
        target=S.EXPIRED,
        permission=perms.as_fsm(perms.system_only),
    )
    def end_continuation(self) -> None:
        """System: the continuation reached the track's cap before the law was amended."""

    @transition(
        field=status,
        source=list(WITHDRAWABLE),
        target=S.WITHDRAWN,
        permission=perms.as_fsm(perms.can_act_for_applicant),
    )
    def withdraw(self) -> None:
        """Applicant withdraws the case before a decision."""


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
