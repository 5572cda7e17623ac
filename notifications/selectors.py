"""Reads of the inbox: one's own notifications about cases one may still see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from applications.visibility import scope_of
from notifications import rules
from notifications.models import InboxSetting, Notification


def inbox_of(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first, about cases still visible to them."""
    return (
        Notification.objects.filter(recipient=user)
        .filter(scope_of(user).q("application__"))
        .select_related("application__program", "application__track")
    )


def unread_count(user: Any) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def rows(notifications: list[Notification]) -> list[dict[str, Any]]:
    """What the inbox shows per notification, worded in the active language."""
    return [
        {
            "notification": n,
            "kind": n.get_kind_display(),
            "sentence": rules.sentence(n.kind, n.application, n.details),
        }
        for n in notifications
    ]


def daily_digest(user: Any) -> bool:
    return InboxSetting.objects.filter(user=user, daily_digest=True).exists()
