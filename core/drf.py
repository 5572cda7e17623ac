"""DRF glue shared by every app's API: the exception handler that maps domain errors, and the
error responses each endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError, InvalidInput

ERROR_BODY = inline_serializer(name="Error", fields={"detail": serializers.CharField()})
ERROR_DESCRIPTIONS = {
    400: "Invalid query parameters; `errors` names each field (for filters the body maps each "
    "parameter to its messages).",
    401: "No credentials, or an invalid or revoked token.",
    403: "Authenticated, but this role may not use this endpoint.",
    404: "No such object for this user (other organisations' cases are never revealed), an "
    "invalid page cursor, or an unknown `format`.",
    405: "The API is read-only: only GET, HEAD and OPTIONS are accepted.",
    406: "The Accept header asks for a format this endpoint does not produce.",
    429: "Too many requests for this token; retry after the number of seconds in Retry-After.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers; 400 bodies are field → messages, the rest ``{"detail"}``."""
    return {
        code: OpenApiResponse(
            response=OpenApiTypes.OBJECT if code == 400 else ERROR_BODY,
            description=ERROR_DESCRIPTIONS[code],
        )
        for code in codes
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Invalid input 400, not permitted 403, not visible 404, wrong state or stale version 409;
    everything else as DRF answers it."""
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=exc.status_code)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    return exception_handler(exc, context)


class StrictFormatNegotiation(DefaultContentNegotiation):
    """An unknown ``format`` is a 404 (DRF's rule); so is an empty one (``?format=``), which
    DRF would otherwise ignore and answer as if no format had been asked for."""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        override = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and override and request.query_params.get(override) == "":
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)
