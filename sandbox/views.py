"""Project-level pages: the landing page, the load-balancer health check, the error pages."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats
from django.views import View
from django.views.generic import TemplateView

from core.drf import problem_response
from core.errors import ServiceUnavailable
from register.selectors import statistics_snapshot
from register.statistics import headline

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    """What the service is, with its entry points; a few headline figures when the statistics
    have been computed (never computed here)."""

    template_name = "home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            snapshot = statistics_snapshot()
        except DatabaseError:  # the figures are a bonus: the landing page answers without them
            logger.warning("home page without figures: the statistics could not be read")
            snapshot = None
        if snapshot is not None:
            context["figures"] = {
                key: formats.number_format(value, force_grouping=True)
                for key, value in headline(snapshot.data).items()
            }
        return context


class HealthView(View):
    """200 when the database answers, 503 otherwise; no session, no templates."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception:  # any database failure means "not ready"
            return JsonResponse({"status": "unavailable"}, status=503)
        return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a plain page and no traceback; 503 with Retry-After when the database or the
    object store holding the files is down.

    Renders without the request so that it needs neither the session nor the database."""
    exc = sys.exc_info()[1]
    if request.path.startswith("/api/"):  # the API answers problems, never an HTML page
        logger.error("API request failed: %s", exc)
        if isinstance(exc, OperationalError | InterfaceError | ServiceUnavailable):
            what = "file store" if isinstance(exc, ServiceUnavailable) else "database"
            problem = problem_response(
                request, "unavailable", f"The {what} is unavailable; try again shortly."
            )
            problem["Retry-After"] = "5"
            return problem
        return problem_response(
            request,
            "server_error",
            "Something failed on the server; quote the request id when you report it.",
        )
    if isinstance(exc, OperationalError | InterfaceError | ServiceUnavailable):
        logger.warning("a service this one needs is unavailable: %s", exc)
        response = HttpResponse(_error_page("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
    return HttpResponse(_error_page("500.html"), status=500)


def _error_page(template: str) -> str:
    try:
        return render_to_string(template)
    except Exception:  # the error page itself must never fail
        logger.exception("error page %s could not be rendered", template)
        return "<!DOCTYPE html><title>Sandbox</title><h1>Sandbox</h1><p>Please try again.</p>"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say what happened and what to do; nothing was saved."""
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            "permission_denied",
            "A browser session must send its CSRF token with this request; machines use a "
            "Bearer token.",
        )
    return render(request, "403_csrf.html", status=403)
