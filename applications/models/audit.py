"""The audit chain's rows: append-only events and the chain head (the rules are in
``applications/audit.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.case import Application

# The actions that mark where a case's review stages begin and end: the staff dashboard's stage
# times read the first moment of each per case (``reviews.dashboard``), from their own index.
MILESTONE_ACTIONS = (
    "accept",
    "answer_confirmation",
    "approve",
    "deem_confirmed",
    "recommend",
    "reject",
    "submit",
)


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
        indexes = [
            models.Index(fields=["application", "seq"], name="auditevent_app_seq"),
            # Each case's milestones with their moments, read from the index alone in case
            # order: the dashboard's stage times over 94k cases (271k milestones) 834 → 392 ms.
            models.Index(
                fields=["application", "action", "occurred_at"],
                name="auditevent_milestones",
                condition=models.Q(action__in=MILESTONE_ACTIONS),
            ),
            # The API's events by actor, in chain order: one actor's events without walking
            # every other's (at 200k events, 34 ms for an actor with none). The moments' range
            # has a BRIN index on PostgreSQL (migration 0025): the events are appended in time.
            models.Index(fields=["actor_name", "seq"], name="auditevent_actor_seq"),
        ]
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
