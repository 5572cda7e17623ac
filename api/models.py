"""Machine credentials for the read-only API and the log of who read what through it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A machine credential for the read-only API. Only the SHA-256 of the secret is stored;
    the secret itself is shown once, when the token is issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        db_table = "applications_apitoken"  # made by the applications app; moved here as is
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiAccessLog(models.Model):
    """One API request by an authenticated user. Kept apart from the audit chain: reading must
    never write the chain of decisions (see docs/api.md)."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_accesses"
    )
    token = models.ForeignKey(
        ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="accesses"
    )
    role = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000)
    status_code = models.PositiveSmallIntegerField()
    request_id = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        db_table = "applications_apiaccesslog"  # made by the applications app; moved here as is
        ordering = ["-at", "-id"]
        verbose_name = _("API access")
        verbose_name_plural = _("API accesses")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.user_id} {self.method} {self.path}"


class CheckpointTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("On schedule")
    DEMAND = "demand", _("On demand")


class AuditCheckpoint(models.Model):
    """The audit chain's head (seq and hash) signed with the authority's letter-sealing key.
    Anyone holding a checkpoint can tell later whether the history up to it was rewritten.
    Written once, never changed (``api/checkpoints.py``)."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    head_hash = models.CharField(_("head hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    issuer = models.CharField(_("issuer"), max_length=200)
    message = models.TextField(_("signed message"))
    algorithm = models.CharField(_("algorithm"), max_length=40)
    signature = models.TextField(_("signature"))
    certificate = models.TextField(_("certificate (PEM)"))
    certificate_sha256 = models.CharField(_("certificate SHA-256"), max_length=64)
    trigger = models.CharField(_("made"), max_length=16, choices=CheckpointTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} {self.head_hash[:12]}"


class WebhookSubscription(models.Model):
    """An auditor's URL subscribed to audit event types (Standard Webhooks). The secret signs
    every delivery; it is shown once, when the subscription is made."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    url = models.URLField(_("URL"), max_length=2000)
    event_types = models.JSONField(_("event types"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(_("created at"))
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.url} ({self.owner_id})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one subscription: the same message, with the same id,
    on every attempt and replay."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.ForeignKey("applications.AuditEvent", on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=80)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_once_per_event"
            )
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.message_id} {self.status}"


class AttemptTrigger(models.TextChoices):
    FIRST = "first", _("First attempt")
    RETRY = "retry", _("Retry")
    REPLAY = "replay", _("Replay")


class WebhookAttempt(models.Model):
    """The log of one HTTP attempt at a delivery."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.PROTECT, related_name="attempt_log"
    )
    trigger = models.CharField(max_length=16, choices=AttemptTrigger.choices)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error[:40]}"
