"""Programmes and their tracks, the ministries that run them, and the languages
things are kept in. Configuration as data (DESIGN §2): the admin edits these.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications.workflow import (
    ConfirmationOutcome,
    TrackKind,
)


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


class DisclosureClass(models.TextChoices):
    """공개구분 of an official document."""

    PUBLIC = "public", _("Public")
    PARTIAL = "partial", _("Partly public")
    CLOSED = "closed", _("Not public")


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
    # How letters are signed off as Korean official documents (docs/letters.md): the department
    # that sends them, its contact, the disclosure class (공개구분) and the approval line.
    department = models.CharField(_("department"), max_length=200, blank=True)
    department_en = models.CharField(_("department in English"), max_length=200, blank=True)
    phone = models.CharField(_("department phone"), max_length=40, blank=True)
    email = models.EmailField(_("department email"), blank=True)
    disclosure = models.CharField(
        _("disclosure class of letters"),
        max_length=16,
        choices=DisclosureClass.choices,
        default=DisclosureClass.PUBLIC,
    )
    approval_line = models.JSONField(
        _("approval line"),
        default=list,
        blank=True,
        help_text=_(
            'The approval boxes printed on letters, drafter first, as [{"ko": "주무관", '
            '"en": "Officer"}, …]; empty: the programme prints none.'
        ),
    )
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
    similar_review_days = models.PositiveIntegerField(
        _("review days for a case similar to an approved one"),
        null=True,
        blank=True,
        help_text=_(
            "Days from submission to the review result once an officer confirms the case is "
            "substantially the same as an approved waiver (ICT/ICP: 15); empty where the "
            "programme has no such fast review."
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
    opinion_days = models.PositiveIntegerField(
        _("opinion deadline (days)"),
        default=10,
        help_text=_(
            "Days a company has to submit its opinion on a prior notice of suspension or "
            "revocation."
        ),
    )
    continuation_cap_months = models.PositiveIntegerField(
        _("continuation cap (months)"),
        null=True,
        blank=True,
        help_text=_(
            "How long after the original end a waiver may continue pending a law amendment "
            "(FinISA: 18 months); empty for no cap."
        ),
    )
    conversion_track = models.ForeignKey(
        "self",
        verbose_name=_("may be converted into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The track a waiver of this track may be converted into (a demonstration exemption "
            "into a temporary permit); empty where conversion is not allowed."
        ),
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

    def clean(self) -> None:
        """A waiver converts into another track of the same programme, never into its own."""
        target = self.conversion_track
        if target is not None and (target.pk == self.pk or target.program_id != self.program_id):
            raise ValidationError(
                {"conversion_track": _("Choose another track of the same programme.")}
            )

    @property
    def statutory_days(self) -> int:
        """Days on the statutory clock: the agenda deadline where a committee decides."""
        return self.agenda_days if self.agenda_days else self.review_days
