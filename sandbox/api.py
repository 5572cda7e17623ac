"""API wiring: ``/api/v1/`` routes, the OpenAPI schema and its offline docs."""

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from api.letters import LetterApi
from api.meetings import MeetingApi
from api.sanctions import PriorNoticeApi
from api.supervision import ConditionApi, IncidentApi, InsurancePolicyApi, ReportApi, UserNoticeApi
from api.views import ApplicationApi, AuditVerifyApi, DecisionApi, EventApi

app_name = "api"

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}

router = SimpleRouter()
router.register("applications", ApplicationApi, basename="application")
router.register("decisions", DecisionApi, basename="decision")
router.register("letters", LetterApi, basename="letter")
router.register("reports", ReportApi, basename="report")
router.register("incidents", IncidentApi, basename="incident")
router.register("insurance-policies", InsurancePolicyApi, basename="insurance-policy")
router.register("user-notices", UserNoticeApi, basename="user-notice")
router.register("conditions", ConditionApi, basename="condition")
router.register("meetings", MeetingApi, basename="meeting")
router.register("prior-notices", PriorNoticeApi, basename="prior-notice")

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(router.urls)),
    path("v1/events/", EventApi.as_view(), name="event-list"),
    path("v1/audit/verify/", AuditVerifyApi.as_view(), name="audit-verify"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Redoc styles itself with injected <style> elements and parses in a blob: worker.
    path(
        "redoc/",
        csp_update(REDOC_CSP)(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
]
