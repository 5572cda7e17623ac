"""What review records on a case: the regulations concerned, supplement requests, consultations
of related ministries and the recommendation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.case import Application
from applications.models.programmes import Ministry
from applications.workflow import (
    RecommendationOutcome,
)


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
    exemption_requested = models.TextField(_("exemption requested"), blank=True)

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
        # A ministry's consulted cases, read from the index alone: staff scopes ask for them on
        # every queue count (``applications/visibility.py``).
        indexes = [
            models.Index(fields=["ministry", "application"], name="consultation_ministry_case"),
            # A ministry's opinions to give, soonest due first: the queue's *Consultations* tab
            # (``reviews.selectors``) reads its first page from here, 26 entries at any size.
            models.Index(
                fields=["ministry", "due_at"],
                condition=models.Q(status="pending"),
                name="consultation_pending_due",
            ),
            # Every ministry's opinions to give, soonest due first: the deadlines page lists those
            # on the cases in its reader's scope, whichever ministry owes them (13 ms for 300 of
            # 6,000 pending at 100k cases, where sorting them all after a join took 150 ms).
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="pending"),
                name="consultation_pending_by_due",
            ),
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
