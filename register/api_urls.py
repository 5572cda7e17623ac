"""Open-data routes under ``/api/public/`` and their own OpenAPI schema and docs (served offline,
like the auditor API's)."""

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.permissions import AllowAny

from register import api
from register.openapi import PUBLIC_SCHEMA_SETTINGS

app_name = "public-api"

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}

urlpatterns: list[URLPattern | URLResolver] = [
    path("register/", api.PublicRegisterApi.as_view(), name="register"),
    path("register.csv", api.PublicRegisterCsvApi.as_view(), name="register-csv"),
    path("register/<str:reference>/", api.PublicWaiverApi.as_view(), name="register-entry"),
    path("statistics/", api.PublicStatisticsApi.as_view(), name="statistics"),
    path(
        "statistics/<slug:table>.csv", api.PublicStatisticsCsvApi.as_view(), name="statistics-csv"
    ),
    path(
        "schema/",
        SpectacularAPIView.as_view(
            custom_settings=PUBLIC_SCHEMA_SETTINGS,
            authentication_classes=[],
            permission_classes=[AllowAny],
            throttle_classes=[api.PublicApiThrottle],
            serve_public=True,
        ),
        name="schema",
    ),
    path(
        "docs/",
        csp_update(REDOC_CSP)(
            SpectacularRedocView.as_view(
                url_name="public-api:schema",
                template_name="api/redoc.html",
                title="Sandbox open data",
                authentication_classes=[],
                permission_classes=[AllowAny],
                throttle_classes=[api.PublicApiThrottle],
            )
        ),
        name="docs",
    ),
]
