"""Committees that decide a programme's cases, their members and terms of office, meetings
(제N차) with their agendas, attendance, recusals, votes and results, and the papers they produce.

Models hold fields and constraints; the rules are in ``rules.py`` and ``permissions.py``, every
write in ``services.py``. A meeting's date and time are stored in UTC and shown in its
programme's time zone.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Decision, Language, Program, in_active_language
from applications.workflow import ApplicationStatus
from core.people import person_name
from documents.models import Paper


class Committee(models.Model):
    """The committee that decides a programme's exemption cases (e.g. 신기술·서비스 심의위원회).
    Its quorum and whether it records votes are the programme's settings, kept here."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="committees"
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    quorum = models.PositiveSmallIntegerField(
        _("quorum"),
        null=True,
        blank=True,
        help_text=_(
            "Members who must be present for the meeting to decide; empty: a majority of the "
            "members in office on the day of the meeting."
        ),
    )
    records_votes = models.BooleanField(
        _("records votes"),
        default=True,
        help_text=_(
            "Each member's vote is recorded per agenda item, and a result needs a majority of "
            "the members present who are not recused."
        ),
    )
    language = models.CharField(
        _("language of papers and minutes"),
        max_length=2,
        choices=Language.choices,
        default=Language.KOREAN,
    )
    is_active = models.BooleanField(
        _("meets in the system"),
        default=True,
        help_text=_(
            "While active, the programme's approvals and rejections are issued from this "
            "committee's meetings only (no free-text committee reference)."
        ),
    )

    class Meta:
        ordering = ["program__code", "name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return f"{self.program.code} — {self.name}"

    @property
    def display_name(self) -> str:
        return in_active_language(self.name, self.name_en)

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")
    MINISTRY_REPRESENTATIVE = "ministry_representative", _("Ministry representative")


class Seat(models.Model):
    """A person's membership of a committee, in one role, for a term of office."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="seats"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    role = models.CharField(_("role"), max_length=32, choices=SeatRole.choices)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    term_start = models.DateField(_("term of office starts"))
    term_end = models.DateField(_("term of office ends"), null=True, blank=True)

    class Meta:
        ordering = ["committee", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user", "term_start"], name="seat_unique_per_term"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="seat_term_ends_after_it_starts",
            ),
        ]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"

    @property
    def display_name(self) -> str:
        return person_name(self.user)

    def in_office(self, day: dt.date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AGENDA_SENT = "agenda_sent", _("Agenda sent")
    HELD = "held", _("Held")
    MINUTES_APPROVED = "minutes_approved", _("Minutes approved")


class Venue(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Meeting(models.Model):
    """One numbered session of a committee (제N차)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    number = models.PositiveIntegerField(_("number"))
    starts_at = models.DateTimeField(_("date and time"))
    venue = models.CharField(
        _("in person or online"), max_length=16, choices=Venue.choices, default=Venue.IN_PERSON
    )
    place = models.CharField(_("place or online room"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    agenda_paper = models.OneToOneField(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agenda_sent_at = models.DateTimeField(_("agenda sent at"), null=True, blank=True)
    held_recorded_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    quorum_required = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    members_in_office = models.PositiveSmallIntegerField(
        _("members in office"), null=True, blank=True
    )
    members_present = models.PositiveSmallIntegerField(_("members present"), null=True, blank=True)
    minutes_paper = models.OneToOneField(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decisions_issued_at = models.DateTimeField(_("decisions issued at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "number"], name="meeting_number_unique_per_committee"
            )
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.committee} #{self.number}"

    @property
    def local_start(self) -> dt.datetime:
        """The start in the programme's time zone."""
        return self.starts_at.astimezone(self.committee.program.tz)

    @property
    def local_date(self) -> dt.date:
        return self.local_start.date()

    @property
    def quorum_met(self) -> bool | None:
        """Whether enough members were present to decide (None until attendance is recorded)."""
        if self.members_present is None or self.quorum_required is None:
            return None
        return self.quorum_required > 0 and self.members_present >= self.quorum_required


class Result(models.TextChoices):
    APPROVE = "approve", _("Approve")
    APPROVE_AMENDED = "approve_amended", _("Approve with amended conditions")
    REJECT = "reject", _("Reject")
    DEFER = "defer", _("Defer to a later meeting")


DECIDING_RESULTS = frozenset({Result.APPROVE, Result.APPROVE_AMENDED, Result.REJECT})


class AgendaItem(models.Model):
    """A case on a meeting's agenda, in order, with the committee's result for it.

    ``current`` marks the case's live placement: at most one per case (it cannot be on two
    meetings at once). It ends when the case is dropped (it left deliberation), deferred (at the
    minutes' approval; it returns to the next agenda) or decided (the decision is issued)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="items"
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    position = models.PositiveIntegerField(_("position"))
    current = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deferred from"),
    )
    # Dropped: the case left deliberation before the committee decided it.
    dropped_at = models.DateTimeField(_("dropped at"), null=True, blank=True)
    dropped_status = models.CharField(
        _("case status when dropped"),
        max_length=32,
        choices=ApplicationStatus.choices,
        blank=True,
    )
    # The committee's result.
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    result_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_recorded_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    # The decision issued from the result (approvals and rejections).
    decision = models.OneToOneField(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_item",
        verbose_name=_("decision"),
    )
    issue_error = models.TextField(_("why the decision could not be issued"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(current=True),
                name="agenda_item_one_current_per_case",
            ),
        ]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.meeting} / {self.position}: {self.application_id}"

    @property
    def is_dropped(self) -> bool:
        return self.dropped_at is not None


class Attendance(models.Model):
    """Whether a member in office was present at a meeting (recorded by the secretariat)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"))

    class Meta:
        ordering = ["meeting", "seat_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seat"], name="attendance_once_per_seat")
        ]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.seat} {'present' if self.present else 'absent'}"


class Recusal(models.Model):
    """A member declared a conflict of interest in one agenda item: they do not vote on it."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="recusals")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="recusals")
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        ordering = ["item", "declared_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "seat"], name="recusal_once_per_item")
        ]
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")

    def __str__(self) -> str:
        return f"{self.seat} recused from {self.item_id}"


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    """One member's vote on the result recorded for an agenda item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)

    class Meta:
        ordering = ["item", "seat_id"]
        constraints = [models.UniqueConstraint(fields=["item", "seat"], name="vote_once_per_item")]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return f"{self.seat}: {self.choice}"
