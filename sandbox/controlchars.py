"""No request reaches a view with a NUL byte in its path or query string.

PostgreSQL refuses NUL in text, so a letter number or a search typed as ``%00`` became a server
error on every page that looks it up. Forms already refuse NUL in their fields (Django's
``ProhibitNullCharactersValidator``); this answers 400 for the parts of a request no form reads.
The API under ``/api/v1/`` is left to its own parameter checks, which name the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


class NulByteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/v1/") or not carries_nul(request):
            # The API checks every parameter itself before any query (``api.base``) and
            # answers with a problem naming it.
            return self.get_response(request)
        if request.path.startswith("/api/"):
            body = json.dumps({"detail": "The request contains a NUL character."})
            return HttpResponse(body, status=400, content_type="application/json")
        page = render_to_string("request_refused.html", {"status": 400})
        return HttpResponse(page, status=400)
