"""DRF glue shared by every app's API: one error format (RFC 9457 problem details, served as
``application/problem+json``, each with a stable ``code``), the exception handler that maps
domain and DRF errors to it, and the error responses each endpoint documents in the schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import Conflict, DomainError, InvalidInput, NotPermitted, NotVisible

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: Any  # a lazy translation
    description: str  # English, for the schema and /api/problems/


PROBLEM_TYPES: dict[str, ProblemType] = {
    p.code: p
    for p in (
        ProblemType(
            "invalid_parameter",
            400,
            gettext_lazy("Invalid request parameter"),
            "A query or path parameter is unknown, repeated, empty, holds a NUL character or "
            "has a value the endpoint does not take; `errors` names each one.",
        ),
        ProblemType(
            "invalid_body",
            400,
            gettext_lazy("Invalid request body"),
            "The JSON body is malformed or breaks a rule; `errors` names each field.",
        ),
        ProblemType(
            "not_authenticated",
            401,
            gettext_lazy("Authentication required"),
            "No credentials were given: send `Authorization: Bearer <token>`.",
        ),
        ProblemType(
            "authentication_failed",
            401,
            gettext_lazy("Invalid credentials"),
            "The token is malformed, unknown or revoked.",
        ),
        ProblemType(
            "permission_denied",
            403,
            gettext_lazy("Not allowed"),
            "Authenticated, but this role may not use this endpoint.",
        ),
        ProblemType(
            "not_found",
            404,
            gettext_lazy("Not found"),
            "No such endpoint, or no such object for this caller (other organisations' cases "
            "are never revealed).",
        ),
        ProblemType(
            "method_not_allowed",
            405,
            gettext_lazy("Method not allowed"),
            "This endpoint does not take this HTTP method; `Allow` lists those it takes.",
        ),
        ProblemType(
            "not_acceptable",
            406,
            gettext_lazy("Not acceptable"),
            "The Accept header asks for a format this endpoint does not produce.",
        ),
        ProblemType(
            "conflict",
            409,
            gettext_lazy("Conflict"),
            "The object is not in a state that allows this, or it changed meanwhile.",
        ),
        ProblemType(
            "unsupported_media_type",
            415,
            gettext_lazy("Unsupported media type"),
            "Request bodies are JSON (`Content-Type: application/json`).",
        ),
        ProblemType(
            "throttled",
            429,
            gettext_lazy("Too many requests"),
            "The token's request budget is spent; retry after `Retry-After` seconds (the "
            "`RateLimit` header tells the budget).",
        ),
        ProblemType(
            "server_error",
            500,
            gettext_lazy("Server error"),
            "Something failed on the server; quote `request_id` when you report it.",
        ),
        ProblemType(
            "unavailable",
            503,
            gettext_lazy("Service unavailable"),
            "The database or the file store is unavailable for a moment; retry after "
            "`Retry-After` seconds.",
        ),
        ProblemType(
            "storage_unavailable",
            507,
            gettext_lazy("Storage unavailable"),
            "Files could not be written; nothing was saved.",
        ),
    )
}

_BY_EXCEPTION: tuple[tuple[type[Exception], str], ...] = (
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
    (exceptions.ParseError, "invalid_body"),
)


class ParameterProblem(exceptions.APIException):
    """Query or path parameters that break the rules: 400 ``invalid_parameter``, naming each."""

    status_code = 400
    default_code = "invalid_parameter"

    def __init__(self, errors: Mapping[str, str | list[str]], location: str = "query") -> None:
        self.errors = [
            {"name": name, "in": location, "detail": str(message)}
            for name, messages in errors.items()
            for message in ([messages] if isinstance(messages, str) else messages)
        ]
        super().__init__("; ".join(f"{e['name']}: {e['detail']}" for e in self.errors))


def problem_type_url(request: Any, code: str) -> str:
    path = f"/api/problems/{code}/"
    return request.build_absolute_uri(path) if request is not None else path


def problem_body(
    request: Any,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    status: int | None = None,
) -> dict[str, Any]:
    """One RFC 9457 problem: type, title, status, detail, instance, and our ``code`` (stable,
    for programs), ``request_id`` (for people reporting it) and, for 400, ``errors``."""
    kind = PROBLEM_TYPES[code]
    body: dict[str, Any] = {
        "type": problem_type_url(request, code),
        "title": str(kind.title),
        "status": status or kind.status,
        "detail": detail,
        "instance": request.get_full_path() if request is not None else "",
        "code": code,
        "request_id": getattr(request, "request_id", ""),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def _flatten(detail: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """DRF validation details (nested dicts and lists) as (dotted name, message) pairs."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            yield from _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            nested = isinstance(value, Mapping | list | tuple)
            yield from _flatten(value, f"{prefix}.{index}" if nested else prefix)
    else:
        yield prefix, str(detail)


def _validation_problem(request: Any, detail: Any) -> tuple[str, list[dict[str, str]]]:
    """400s: parameters (GET and friends) or body fields (writes)."""
    body = getattr(request, "method", "GET") in ("POST", "PUT", "PATCH")
    location = "body" if body else "query"
    errors = [{"name": n, "in": location, "detail": m} for n, m in _flatten(detail)]
    return ("invalid_body" if body else "invalid_parameter"), errors


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as a problem: invalid input 400, not permitted 403, not visible 404, wrong
    state or stale version 409, and DRF's own errors with their status; headers DRF sets
    (``WWW-Authenticate``, ``Retry-After``, ``Allow``) are kept."""
    request = context.get("request")
    errors: list[dict[str, str]] | None = None
    headers: dict[str, str] = {}
    if isinstance(exc, ParameterProblem):
        code, errors, detail = "invalid_parameter", exc.errors, _("Check the named parameters.")
    elif isinstance(exc, InvalidInput):
        code, errors = _validation_problem(request, exc.errors)
        code = "storage_unavailable" if exc.status_code == 507 else code
        detail = exc.message
    elif isinstance(exc, NotVisible | Http404):
        code, detail = "not_found", str(getattr(exc, "message", "") or _("Not found."))
    elif isinstance(exc, NotPermitted | DjangoPermissionDenied):
        code, detail = "permission_denied", str(getattr(exc, "message", "") or exc)
    elif isinstance(exc, Conflict | DomainError):
        code, detail = "conflict", exc.message
    elif isinstance(exc, exceptions.ValidationError):
        code, errors = _validation_problem(request, exc.detail)
        detail = (
            _("Check the named fields.")
            if code == "invalid_body"
            else _("Check the named parameters.")
        )
    elif isinstance(exc, exceptions.APIException):
        response = exception_handler(exc, context)
        headers = dict(response.headers) if response is not None else {}
        code = next((c for kind, c in _BY_EXCEPTION if isinstance(exc, kind)), "")
        if not code:
            code = "server_error" if exc.status_code >= 500 else "invalid_parameter"
        detail = str(exc.detail)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    else:
        return None
    status = getattr(exc, "status_code", None) or PROBLEM_TYPES[code].status
    body = problem_body(request, code, detail, errors=errors, status=status)
    return Response(
        body,
        status=status,
        headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
        content_type=PROBLEM_JSON,
    )


def problem_response(request: HttpRequest, code: str, detail: str) -> JsonResponse:
    """A problem answered outside DRF (unknown API routes, the 500 handler)."""
    body = problem_body(request, code, detail)
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_JSON)
    response["Cache-Control"] = "no-store"
    return response


PROBLEM_ERROR = inline_serializer(
    name="ProblemError",
    fields={
        "name": serializers.CharField(help_text="The parameter or field (dotted when nested)."),
        "in": serializers.ChoiceField(choices=["query", "path", "body", "header"]),
        "detail": serializers.CharField(),
    },
    many=True,
    required=False,
)


PROBLEM = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.URLField(help_text="Documentation of this kind of problem."),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "instance": serializers.CharField(help_text="The request's path and query."),
        "code": serializers.ChoiceField(
            choices=sorted(PROBLEM_TYPES), help_text="Stable: programs branch on this."
        ),
        "request_id": serializers.CharField(help_text="Also in the X-Request-Id header."),
        "errors": PROBLEM_ERROR,
    },
)
"""RFC 9457 problem details, as the schema shows them."""


ERROR_DESCRIPTIONS = {
    400: "Invalid parameters (`invalid_parameter`) or body (`invalid_body`); `errors` names "
    "each one.",
    401: "No credentials (`not_authenticated`), or an invalid or revoked token "
    "(`authentication_failed`).",
    403: "Authenticated, but this role may not use this endpoint (`permission_denied`).",
    404: "No such object for this caller (`not_found`); other organisations' cases are never "
    "revealed.",
    405: "This endpoint does not take this method (`method_not_allowed`); see `Allow`.",
    406: "The Accept header asks for a format this endpoint does not produce (`not_acceptable`).",
    409: "The object's state does not allow this (`conflict`).",
    415: "The body is not JSON (`unsupported_media_type`).",
    429: "Too many requests for this token (`throttled`); retry after `Retry-After` seconds.",
}


def error_responses(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    """Documented error answers, each an RFC 9457 problem (``application/problem+json``)."""
    return {
        (code, PROBLEM_JSON): OpenApiResponse(
            response=PROBLEM, description=ERROR_DESCRIPTIONS[code]
        )
        for code in codes
    }
