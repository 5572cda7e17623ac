"""Project-level pages: the landing page and the load-balancer health check."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View
from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "home.html"


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
