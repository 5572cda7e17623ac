"""Middleware every app shares: a request id on every request and response."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-Id"


class RequestIdMiddleware:
    """Gives each request an id (``request.request_id``) and answers it in ``X-Request-Id``, so
    that a person reporting a problem, the API access log and the server log can be matched.
    The id is always made here (a client's own header is not trusted)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id  # type: ignore[attr-defined]
        return response
