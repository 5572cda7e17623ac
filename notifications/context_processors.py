"""The unread count in every staff page's header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.twofactor import works_in_review
from notifications.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if not (works_in_review(user) and callable(is_verified) and is_verified()):
        return {}
    return {"inbox_unread": unread_count(user)}
