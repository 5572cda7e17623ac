"""The auditor API (read-only): cases, their histories, the decisions register, the global
event feed with streaming exports, and chain verification. Scoping comes from the selectors:
auditors read all, staff their ministry's cases, applicants their organisation's; others 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors
from api.base import (
    NON_NEGATIVE,
    PAGE_LIMIT,
    READ_ERRORS,
    AccessLogged,
    MomentField,
    NewestFirst,
    StrictFilterSet,
    filter_parameters,
    query_params,
)
from api.exports import csv_chunks, event_batches, ndjson_chunks
from api.serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    AuditVerifySerializer,
    CaseAsOfSerializer,
    DecisionSerializer,
    EventPageSerializer,
    EventSerializer,
    HistorySerializer,
)
from applications.audit import audit_verify
from applications.models import Application, AuditEvent, Decision, DecisionKind
from applications.roles import Role, has_role
from applications.selectors import application_as_of, application_get_for
from applications.workflow import ApplicationStatus
from core.drf import error_responses

# --- applications ------------------------------------------------------------------------


class ApplicationFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    program = django_filters.CharFilter(
        field_name="program__code", help_text=gettext_lazy("Programme code.")
    )
    track = django_filters.CharFilter(
        field_name="track__code", help_text=gettext_lazy("Track code, e.g. demonstration.")
    )
    ministry = django_filters.CharFilter(
        field_name="program__lead_ministry__code",
        help_text=gettext_lazy("Lead ministry code, e.g. MSIT."),
    )
    organization = django_filters.CharFilter(
        field_name="organization__registration_number",
        help_text=gettext_lazy("Business registration number of the applying organisation."),
    )
    submitted_from = django_filters.DateFilter(field_name="submitted_at__date", lookup_expr="gte")
    submitted_to = django_filters.DateFilter(field_name="submitted_at__date", lookup_expr="lte")
    decided_from = django_filters.DateFilter(field_name="decided_at__date", lookup_expr="gte")
    decided_to = django_filters.DateFilter(field_name="decided_at__date", lookup_expr="lte")
    search = django_filters.CharFilter(
        method="search_text",
        help_text=gettext_lazy("Words in the reference, title or organisation name."),
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def search_text(self, queryset: QuerySet[Application], name: str, value: str) -> Any:
        for word in value.split():
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(title__icontains=word)
                | Q(organization__name__icontains=word)
            )
        return queryset


class HistoryQuery(serializers.Serializer[Any]):
    as_of = MomentField(required=False)
    after_seq = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


def _event_page(
    request: Request, events: QuerySet[AuditEvent], after_seq: int, limit: int
) -> dict[str, Any]:
    """One page of a keyset walk on ``seq``: events after ``after_seq``, oldest first."""
    rows = list(events.filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1].seq if rows else None
    next_url = None
    if more and last is not None:
        params = request.query_params.copy()
        params["after_seq"] = str(last)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {
        "next": next_url,
        "last_seq": last,
        "results": EventSerializer(rows, many=True, context={"request": request}).data,
    }


@extend_schema(tags=["applications"])
class ApplicationApi(AccessLogged, viewsets.ReadOnlyModelViewSet[Application]):
    """Submitted cases the caller may read (drafts are never shown)."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    pagination_class = NewestFirst
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.api_applications_for(user=self.request.user)

    @extend_schema(
        parameters=filter_parameters(ApplicationFilter),
        responses={
            200: ApplicationSerializer(many=True),
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses={200: ApplicationDetailSerializer, **error_responses(404, *READ_ERRORS)}
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        app = selectors.api_application_detail_for(user=request.user, reference=kwargs["reference"])
        return Response(ApplicationDetailSerializer(app, context={"request": request}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATETIME,
                description="Rebuild the case as it stood at this moment (default: now); "
                "events are limited to those that had happened by then.",
            ),
            OpenApiParameter("after_seq", NON_NEGATIVE, description="Events after this seq."),
            OpenApiParameter("limit", PAGE_LIMIT, description="Page size, 1–1000."),
        ],
        filters=False,
        responses={200: HistorySerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, reference: str) -> Response:
        query = query_params(HistoryQuery, request)
        app = application_get_for(user=request.user, reference=reference)
        at = query.get("as_of") or timezone.now()
        events = selectors.events_feed().filter(application=app, occurred_at__lte=at)
        page = _event_page(request, events, query["after_seq"], query["limit"])
        case = application_as_of(application=app, at=at)
        return Response({"reference": app.reference, "case": CaseAsOfSerializer(case).data, **page})


# --- decisions register ------------------------------------------------------------------


class DecisionFilter(StrictFilterSet):
    outcome = django_filters.ChoiceFilter(field_name="kind", choices=DecisionKind.choices)
    program = django_filters.CharFilter(field_name="application__program__code")
    decided_from = django_filters.DateFilter(field_name="decided_at__date", lookup_expr="gte")
    decided_to = django_filters.DateFilter(field_name="decided_at__date", lookup_expr="lte")
    decider = django_filters.CharFilter(
        field_name="decided_by__username", help_text=gettext_lazy("Username of the decision maker.")
    )
    application = django_filters.CharFilter(field_name="application__reference")

    class Meta:
        model = Decision
        fields: list[str] = []


class DecisionsNewestFirst(NewestFirst):
    ordering = ("-decided_at", "-id")


@extend_schema(tags=["decisions"])
class DecisionApi(AccessLogged, mixins.ListModelMixin, viewsets.GenericViewSet[Decision]):
    """The decisions register: every decision with legal effect, newest first."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    pagination_class = DecisionsNewestFirst

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.decisions_visible_to(user=self.request.user).filter(
            application__reference__isnull=False
        )

    @extend_schema(
        parameters=filter_parameters(DecisionFilter),
        responses={200: DecisionSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- event feed and exports --------------------------------------------------------------


class EventFilter(StrictFilterSet):
    application = django_filters.CharFilter(
        field_name="application__reference", help_text=gettext_lazy("Case reference.")
    )
    action = django_filters.CharFilter(
        help_text=gettext_lazy("e.g. submit, approve, letter_issued.")
    )
    actor = django_filters.CharFilter(
        field_name="actor_name", help_text=gettext_lazy("Username or system.")
    )
    occurred_from = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class EventQuery(serializers.Serializer[Any]):
    after_seq = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class CsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class NdjsonRenderer(renderers.BaseRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"


@extend_schema(tags=["events"])
class EventApi(AccessLogged, generics.GenericAPIView[AuditEvent]):
    """The global audit event feed, oldest first; ``after_seq`` pulls only what is new."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = None
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, NdjsonRenderer]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.events_visible_to(user=self.request.user)

    @extend_schema(
        parameters=[
            *filter_parameters(EventFilter),
            OpenApiParameter(
                "after_seq", NON_NEGATIVE, description="Only events with a greater seq."
            ),
            OpenApiParameter("limit", PAGE_LIMIT, description="Page size, 1–1000 (JSON)."),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv", "ndjson"],
                description="csv and ndjson stream the whole filtered set (no paging).",
            ),
        ],
        responses={
            (200, "application/json"): EventPageSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="CSV with BOM, one event a row."
            ),
            (200, "application/x-ndjson"): OpenApiResponse(
                response=OpenApiTypes.STR, description="One JSON event a line."
            ),
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    def get(self, request: Request) -> Any:
        query = query_params(EventQuery, request)
        events = self.filter_queryset(self.get_queryset())
        export = request.accepted_renderer.format
        if export in {"csv", "ndjson"}:
            batches = event_batches(events.filter(seq__gt=query["after_seq"]))
            lines = csv_chunks(batches) if export == "csv" else ndjson_chunks(batches)
            response = StreamingHttpResponse(
                lines, content_type=f"{request.accepted_renderer.media_type}; charset=utf-8"
            )
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            response["Content-Disposition"] = f'attachment; filename="events-{stamp}.{export}"'
            return response
        return Response(_event_page(request, events, query["after_seq"], query["limit"]))


# --- chain verification ------------------------------------------------------------------


@extend_schema(tags=["audit"])
class AuditVerifyApi(AccessLogged, APIView):
    """Walk the whole audit chain and name the first broken event (auditors only)."""

    @extend_schema(responses={200: AuditVerifySerializer, **error_responses(403, *READ_ERRORS)})
    def get(self, request: Request) -> Response:
        if not (request.user.is_superuser or has_role(request.user, Role.AUDITOR)):
            raise PermissionDenied(_("Only auditors may verify the audit chain."))
        report = audit_verify()
        return Response(
            AuditVerifySerializer(
                {
                    "ok": report.ok,
                    "events_checked": report.events_checked,
                    "head_hash": report.head_hash,
                    "first_broken_seq": report.first_broken_seq,
                    "problem": report.problem,
                }
            ).data
        )
