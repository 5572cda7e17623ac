"""What every page's header needs to know about the person signed in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.twofactor import works_in_review


def workspace(request: HttpRequest) -> dict[str, Any]:
    """``works_in_review``: the header shows the staff links (on every page, not only under
    /review/), and the portal's links are not offered to staff."""
    return {"works_in_review": works_in_review(getattr(request, "user", None))}
