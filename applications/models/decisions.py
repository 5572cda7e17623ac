"""Decisions with legal effect (letters are issued for these) and what the term brings: extension
and law-amendment requests and insurance proof.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.case import Application
from applications.workflow import (
    ConfirmationOutcome,
)


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
    PRIOR_NOTICE = "prior_notice", _("Prior notice of a measure")
    HEARING_NOTICE = "hearing_notice", _("Hearing notice")
    URGENT_SUSPENSION = "urgent_suspension", _("Urgent suspension")
    SUSPENSION_EXTENSION = "suspension_extension", _("Suspension extended")
    CONVERSION = "conversion", _("Conversion into a temporary permit")
    CONTINUATION_END = "continuation_end", _("End of continuation")


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
    # What a letter needs beyond the fields above, as plain data (the due-process procedure's
    # notice, opinion and period; a continuation's cap; a conversion's tracks).
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [
            # The decisions register (the API's, newest first, and its date filters): read in
            # its order from the index, where every decision was sorted for each page.
            models.Index(fields=["decided_at", "id"], name="decision_decided_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} decision on {self.application_id}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class TermRequest(models.Model):
    """What extension and law-amendment requests share: the applicant asks; a decision maker
    grants (the transition follows) or denies with a reason."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    application: models.ForeignKey[Application, Application]

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-id"]

    @staticmethod
    def one_pending(name: str) -> models.UniqueConstraint:
        """At most one request of a kind waits for a decision on a case."""
        return models.UniqueConstraint(
            fields=["application"], condition=models.Q(status="pending"), name=name
        )


class ExtensionRequest(TermRequest):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="extension_requests"
    )
    new_end = models.DateField(_("requested new end date"))
    reason = models.TextField(_("reason"))

    class Meta(TermRequest.Meta):
        constraints = [TermRequest.one_pending("one_pending_extension_request")]

    def __str__(self) -> str:
        return f"extension to {self.new_end} ({self.status})"


class LawAmendmentRequest(TermRequest):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="law_amendment_requests"
    )
    reason = models.TextField(_("which law should change and why"))

    class Meta(TermRequest.Meta):
        constraints = [TermRequest.one_pending("one_pending_law_amendment_request")]

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
    # Structured cover (DOMAIN §3.6); ``insured_amount`` is the aggregate. Empty on proofs filed
    # before the amounts were asked for.
    coverage_per_person = models.PositiveBigIntegerField(
        _("cover per person (KRW)"), null=True, blank=True
    )
    coverage_per_accident = models.PositiveBigIntegerField(
        _("cover per accident (KRW)"), null=True, blank=True
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-added_at", "-id"]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"
