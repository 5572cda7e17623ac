"""The public register's records: trade-secret claims on a case, the published entry of each
granted waiver (only what may be published, kept current by the services), and the latest
snapshot of the statistics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Ministry, Program, Track
from register.rules import ClaimStatus, PublishedField, RegisterStatus


class TradeSecretClaim(models.Model):
    """The applicant claims one part of the future register entry as a trade secret; the case
    officer accepts (withheld for good) or refuses (published) it."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="trade_secret_claims"
    )
    field = models.CharField(_("part of the entry"), max_length=32, choices=PublishedField.choices)
    reason = models.TextField(_("why it is a trade secret"))
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "field"], name="one_trade_secret_claim_per_field"
            )
        ]
        verbose_name = _("trade-secret claim")
        verbose_name_plural = _("trade-secret claims")

    def __str__(self) -> str:
        return f"{self.field} ({self.status}) on {self.application_id}"


class RegisterEntry(models.Model):
    """What the public register shows of one granted waiver: copied from the case when it
    changes, with the withheld parts left out, so no public page, API or CSV can show more."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="register_entry"
    )
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="+")
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="+")
    company = models.CharField(_("company"), max_length=200)
    title = models.CharField(_("service"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    region = models.CharField(_("region or sites"), max_length=400, blank=True)
    scale = models.CharField(_("scale"), max_length=400, blank=True)
    max_users = models.PositiveIntegerField(_("maximum users"), null=True, blank=True)
    exempted_provisions = models.JSONField(_("exempted provisions"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    conditions_count = models.PositiveIntegerField(_("number of conditions"), default=0)
    withheld = models.JSONField(_("parts withheld as trade secrets"), default=list, blank=True)
    granted_on = models.DateField(_("granted on"))
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    extensions = models.PositiveIntegerField(_("extensions"), default=0)
    status = models.CharField(_("status now"), max_length=16, choices=RegisterStatus.choices)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    search_text = models.TextField(editable=False)
    search_grams = models.TextField(editable=False)
    updated_at = models.DateTimeField(_("updated at"), db_index=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        indexes = [
            # One per sort order of the register (keyset pagination walks them) and per
            # common filter under the default order.
            models.Index(fields=["granted_on", "id"], name="register_granted"),
            models.Index(fields=["company", "id"], name="register_company"),
            models.Index(fields=["term_end", "id"], name="register_term_end"),
            models.Index(fields=["status", "granted_on", "id"], name="register_status"),
            models.Index(fields=["program", "granted_on", "id"], name="register_program"),
            models.Index(fields=["ministry", "granted_on", "id"], name="register_ministry"),
        ]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class StatisticsSnapshot(models.Model):
    """The statistics as last computed by aggregate queries (one row, replaced when refreshed):
    pages and open data read it, so their cost does not grow with the number of cases."""

    computed_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        verbose_name = _("statistics snapshot")

    def __str__(self) -> str:
        return f"statistics as of {self.computed_at:%Y-%m-%d %H:%M}"
