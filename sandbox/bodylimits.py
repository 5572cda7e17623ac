"""Request bodies are bounded by their declared length before anything reads them.

Django streams a multipart upload to a temporary file before any view can refuse it, and the
CSRF check reads the body of every POST; so the size is decided here, from ``Content-Length``
alone: over the limit is a 413 at once, a body without a declared length (chunked) a 411, a
malformed length a 400. Signed-in people may send what their pages take (a file of up to 20 MB,
ten with a supplement answer); anonymous visitors only small forms, and a letter to check on
``/verify/``. The limits are settings (``REQUEST_BODY_*``); the production web server closes the
connection after such a refusal instead of reading the rest (``sandbox/gunicorn_conf.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


@lru_cache(maxsize=8)
def _compiled(rules: tuple[tuple[str, int], ...]) -> list[tuple[re.Pattern[str], int]]:
    return [(re.compile(pattern), limit) for pattern, limit in rules]


def body_limit(path: str, *, signed_in: bool) -> int:
    """The largest body this path takes from this kind of visitor (first matching rule)."""
    rules = settings.REQUEST_BODY_LIMITS if signed_in else settings.REQUEST_BODY_LIMITS_ANONYMOUS
    for pattern, limit in _compiled(tuple(rules)):
        if pattern.search(path):
            return int(limit)
    return int(settings.REQUEST_BODY_MAX_BYTES)


def declared_length(content_length: str | None) -> int | None:
    """The declared body length, or None when it is not a plain non-negative number."""
    text = (content_length or "").strip()
    if not text:
        return 0
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _refusal(request: HttpRequest, status: int, limit: int) -> HttpResponse:
    body = render_to_string(
        "request_refused.html",
        {"status": status, "limit_mb": max(1, limit // (1024 * 1024))},
        request=None,
    )
    return HttpResponse(body, status=status)


class RequestBodyLimitMiddleware:
    """After authentication (to know who is asking), before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refusal(request, 411, settings.REQUEST_BODY_MAX_BYTES)
        length = declared_length(meta.get("CONTENT_LENGTH"))
        if length is None:
            return _refusal(request, 400, settings.REQUEST_BODY_MAX_BYTES)
        if length > settings.REQUEST_BODY_MAX_BYTES:
            signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
            limit = body_limit(request.path, signed_in=signed_in)
            if length > limit:
                return _refusal(request, 413, limit)
        return self.get_response(request)
