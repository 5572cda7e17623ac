"""API wiring: ``/api/v1/`` routes, the OpenAPI schema and its offline docs, the verifier for
download, the problem types, and a problem+json 404 for any other path under /api/."""

from typing import Any

from csp.decorators import csp_update
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils import translation
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from api import pages
from api.audit_views import AccessLogApi, ApiRootApi, AuditVerifyApi, CheckpointApi
from api.letters import LetterApi
from api.meetings import MeetingApi
from api.sanctions import PriorNoticeApi
from api.supervision import ConditionApi, IncidentApi, InsurancePolicyApi, ReportApi, UserNoticeApi
from api.views import ApplicationApi, DecisionApi, EventApi
from api.webhook_views import WebhookApi, WebhookDeliveryApi, WebhookReplayApi

app_name = "api"

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}


class EnglishSchemaView(SpectacularAPIView):
    """The schema is documentation for programmers: English whatever the site's language."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response


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
router.register("audit/checkpoints", CheckpointApi, basename="checkpoint")
router.register("access-log", AccessLogApi, basename="access-log")
router.register("webhooks", WebhookApi, basename="webhook")
router.register("prior-notices", PriorNoticeApi, basename="prior-notice")

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", ApiRootApi.as_view(), name="root"),
    path("v1/", include(router.urls)),
    path("v1/events/", EventApi.as_view(), name="event-list"),
    path("v1/audit/verify/", AuditVerifyApi.as_view(), name="audit-verify"),
    re_path(
        r"^v1/webhooks/(?P<pk>[0-9]{1,19})/deliveries/$",
        WebhookDeliveryApi.as_view({"get": "list"}),
        name="webhook-deliveries",
    ),
    re_path(
        r"^v1/webhooks/(?P<pk>[0-9]{1,19})/deliveries/(?P<delivery>[0-9]{1,19})/replay/$",
        WebhookReplayApi.as_view(),
        name="webhook-replay",
    ),
    path("schema/", EnglishSchemaView.as_view(), name="schema"),
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
    path("verifier.py", pages.VerifierFile.as_view(), name="verifier"),
    path("problems/", pages.ProblemTypes.as_view(), name="problems"),
    path("problems/<slug:code>/", pages.ProblemTypes.as_view(), name="problem"),
    re_path(r"^", pages.api_not_found, name="not-found"),
]
