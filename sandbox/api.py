"""API wiring: ``/api/v1/`` routes, the OpenAPI schema and its offline docs."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
