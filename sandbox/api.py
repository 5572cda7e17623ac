"""API wiring: ``/api/v1/`` routes, the OpenAPI schema and its offline docs."""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from applications.api import ApplicationApi, AuditVerifyApi, DecisionApi, EventApi
from documents.api import LetterApi

app_name = "api"

router = SimpleRouter()
router.register("applications", ApplicationApi, basename="application")
router.register("decisions", DecisionApi, basename="decision")
router.register("events", EventApi, basename="event")
router.register("letters", LetterApi, basename="letter")

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(router.urls)),
    path("v1/audit/verify/", AuditVerifyApi.as_view(), name="audit-verify"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
