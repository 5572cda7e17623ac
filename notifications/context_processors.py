"""The unread count in every staff page's header (up to "99+": ``unread_count``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.twofactor import works_in_review
from core.counts import capped_text
from notifications.selectors import UNREAD_CAP, unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if not (works_in_review(user) and callable(is_verified) and is_verified()):
        return {}
    count = unread_count(user)
    return {"inbox_unread": count, "inbox_unread_text": capped_text(count, UNREAD_CAP)}
