"""The auditor API's case endpoints: cases, their histories, the decisions register and the
global event feed with streaming exports. Scoping comes from the selectors: auditors read all,
staff their ministry's cases, applicants their organisation's; others 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors
from api.base import (
    MAX_SEQ,
    NON_NEGATIVE,
    PAGE_LIMIT,
    READ_ERRORS,
    ApiView,
    KeyFilter,
    LocalDayFilter,
    MomentField,
    MomentFilter,
    NewestFirst,
    SeqField,
    StrictFilterSet,
    filter_parameters,
    query_params,
)
from api.exports import (
    copy_csv_chunks,
    copy_exports,
    copy_ndjson_chunks,
    csv_chunks,
    event_batches,
    ndjson_chunks,
)
from api.serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    CaseAsOfSerializer,
    DecisionSerializer,
    EventPageSerializer,
    EventSerializer,
    HistorySerializer,
    action_choices,
)
from applications.models import (
    Application,
    AuditEvent,
    Decision,
    DecisionKind,
    Organization,
    Program,
    Track,
)
from applications.roles import Role
from applications.selectors import application_as_of, application_get_for, case_text_q
from applications.workflow import ApplicationStatus
from core.drf import error_responses

REFERENCE_EXAMPLE = OpenApiExample(
    "A case", value="ICT-2026-00001", parameter_only=("reference", "path")
)

# --- applications ------------------------------------------------------------------------


class ApplicationFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    program = KeyFilter(
        table=Program, key="code", field_name="program", help_text="Programme code."
    )
    track = KeyFilter(
        table=Track,
        key="code",
        field_name="track",
        help_text="Track code, e.g. demonstration.",
    )
    ministry = KeyFilter(
        table=Program,
        key="lead_ministry__code",
        field_name="program",
        help_text="Lead ministry code, e.g. MSIT.",
    )
    organization = KeyFilter(
        table=Organization,
        key="registration_number",
        field_name="organization",
        help_text="Business registration number of the applying organisation.",
    )
    submitted_from = LocalDayFilter(
        field_name="submitted_at", lookup_expr="gte", help_text="Submitted on or after."
    )
    submitted_to = LocalDayFilter(
        field_name="submitted_at", lookup_expr="lte", help_text="Submitted on or before."
    )
    decided_from = LocalDayFilter(
        field_name="decided_at", lookup_expr="gte", help_text="Decided on or after."
    )
    decided_to = LocalDayFilter(
        field_name="decided_at", lookup_expr="lte", help_text="Decided on or before."
    )
    search = django_filters.CharFilter(
        method="search_text", help_text="Words in the reference, title or organisation name."
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def search_text(self, queryset: QuerySet[Application], name: str, value: str) -> Any:
        for word in value.split():
            queryset = queryset.filter(case_text_q(word))
        return queryset


class HistoryQuery(serializers.Serializer[Any]):
    as_of = MomentField(required=False)
    after_seq = SeqField(required=False, default=0)
    limit = SeqField(required=False, default=100, minimum=1, maximum=1000)


class CaseEventsQuery(serializers.Serializer[Any]):
    after_seq = SeqField(required=False, default=0)
    limit = SeqField(required=False, default=100, minimum=1, maximum=1000)


def _event_page(
    request: Request,
    events: QuerySet[AuditEvent],
    *,
    after_seq: int,
    before_seq: int | None,
    limit: int,
    newest_first: bool = False,
) -> dict[str, Any]:
    """One page of a keyset walk on ``seq`` between the bounds, oldest (or newest) first; the
    next link moves the bound it walks towards."""
    rows_qs = events.filter(seq__gt=after_seq)
    if before_seq is not None:
        rows_qs = rows_qs.filter(seq__lt=before_seq)
    rows = list(rows_qs.order_by("-seq" if newest_first else "seq")[: limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1].seq if rows else None
    next_url = None
    if more and last is not None:
        params = request.query_params.copy()
        params["before_seq" if newest_first else "after_seq"] = str(last)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {
        "next": next_url,
        "last_seq": last,
        "results": EventSerializer(rows, many=True, context={"request": request}).data,
    }


@extend_schema(tags=["applications"])
class ApplicationApi(ApiView, viewsets.ReadOnlyModelViewSet[Application]):
    """Submitted cases the caller may read (drafts are never shown)."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    pagination_class = NewestFirst
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.api_applications_for(user=self.request.user)

    @extend_schema(
        summary="List cases",
        description="Submitted cases the caller may read, newest first, in cursor pages. "
        "Drafts are never shown.",
        parameters=filter_parameters(ApplicationFilter),
        responses={
            200: ApplicationSerializer(many=True),
            **error_responses(400, *READ_ERRORS),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One case",
        description="The whole case: scope, regulations, consultations, recommendation, "
        "decisions, extensions, letters, its newest events (at most 20) and the link to all "
        "of them (`events_url`).",
        parameters=[OpenApiParameter("reference", str, "path", examples=[REFERENCE_EXAMPLE])],
        responses={
            200: ApplicationDetailSerializer,
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        app = selectors.api_application_detail_for(user=request.user, reference=kwargs["reference"])
        return Response(ApplicationDetailSerializer(app, context={"request": request}).data)

    @extend_schema(
        summary="A case's events",
        description="Every event of the case the caller may read, oldest first, in keyset "
        "pages on `seq`: follow `next` until it is null.",
        parameters=[
            OpenApiParameter("reference", str, "path", examples=[REFERENCE_EXAMPLE]),
            OpenApiParameter("after_seq", NON_NEGATIVE, description="Events after this seq."),
            OpenApiParameter("limit", PAGE_LIMIT, description="Page size, 1–1000 (default 100)."),
        ],
        filters=False,
        responses={200: EventPageSerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        query_serializer_class=CaseEventsQuery,
    )
    def events(self, request: Request, reference: str) -> Response:
        query = query_params(CaseEventsQuery, request)
        app = application_get_for(user=request.user, reference=reference)
        events = selectors.events_readable_by(
            request.user, selectors.events_feed().filter(application=app)
        )
        return Response(
            _event_page(
                request, events, after_seq=query["after_seq"], before_seq=None, limit=query["limit"]
            )
        )

    @extend_schema(
        summary="A case's history and the case as of a moment",
        description="The case's events that had happened by `as_of` (default: now), in keyset "
        "pages on `seq`, and the case rebuilt from those events alone.",
        parameters=[
            OpenApiParameter("reference", str, "path", examples=[REFERENCE_EXAMPLE]),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATETIME,
                description="Rebuild the case as it stood at this moment (RFC 3339 with its "
                "offset; default: now); events are limited to those that had happened by then.",
                examples=[OpenApiExample("Seoul time", value="2026-06-30T00:00:00+09:00")],
            ),
            OpenApiParameter("after_seq", NON_NEGATIVE, description="Events after this seq."),
            OpenApiParameter("limit", PAGE_LIMIT, description="Page size, 1–1000 (default 100)."),
        ],
        filters=False,
        responses={200: HistorySerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        query_serializer_class=HistoryQuery,
    )
    def history(self, request: Request, reference: str) -> Response:
        query = query_params(HistoryQuery, request)
        app = application_get_for(user=request.user, reference=reference)
        at = query.get("as_of") or timezone.now()
        events = selectors.events_readable_by(
            request.user, selectors.events_feed().filter(application=app, occurred_at__lte=at)
        )
        page = _event_page(
            request, events, after_seq=query["after_seq"], before_seq=None, limit=query["limit"]
        )
        case = application_as_of(application=app, at=at)
        return Response({"reference": app.reference, "case": CaseAsOfSerializer(case).data, **page})


# --- decisions register ------------------------------------------------------------------


class DecisionFilter(StrictFilterSet):
    outcome = django_filters.ChoiceFilter(field_name="kind", choices=DecisionKind.choices)
    program = KeyFilter(
        table=Program, key="code", field_name="application__program", help_text="Programme code."
    )
    decided_from = LocalDayFilter(
        field_name="decided_at", lookup_expr="gte", help_text="Decided on or after."
    )
    decided_to = LocalDayFilter(
        field_name="decided_at", lookup_expr="lte", help_text="Decided on or before."
    )
    decider = django_filters.CharFilter(
        field_name="decided_by__username", help_text="Username of the decision maker."
    )
    application = django_filters.CharFilter(
        field_name="application__reference", help_text="Case reference."
    )

    class Meta:
        model = Decision
        fields: list[str] = []


class DecisionsNewestFirst(NewestFirst):
    ordering = ("-decided_at", "-id")
    position_is_moment = True


@extend_schema(tags=["decisions"])
class DecisionApi(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet[Decision]):
    """The decisions register: every decision with legal effect, newest first."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    pagination_class = DecisionsNewestFirst

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.decisions_visible_to(user=self.request.user).filter(
            application__reference__isnull=False
        )

    @extend_schema(
        summary="The decisions register",
        description="Every decision with legal effect on the cases the caller may read, newest "
        "first, with the letter in force.",
        parameters=filter_parameters(DecisionFilter),
        responses={200: DecisionSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- event feed and exports --------------------------------------------------------------


class EventFilter(StrictFilterSet):
    application = django_filters.CharFilter(
        field_name="application__reference", help_text="Case reference."
    )
    action = django_filters.MultipleChoiceFilter(
        choices=action_choices,
        help_text="One or more actions (repeat the parameter), e.g. approve, letter_issued.",
    )
    actor = django_filters.CharFilter(field_name="actor_name", help_text="Username or system.")
    actor_role = django_filters.ChoiceFilter(choices=Role.choices, help_text="The actor's role.")
    program = KeyFilter(
        table=Program,
        key="code",
        field_name="application__program",
        help_text="Programme code of the case.",
    )
    ministry = KeyFilter(
        table=Program,
        key="lead_ministry__code",
        field_name="application__program",
        help_text="Lead ministry code of the case's programme.",
    )
    from_status = django_filters.ChoiceFilter(
        choices=ApplicationStatus.choices, help_text="Status before the event."
    )
    to_status = django_filters.ChoiceFilter(
        choices=ApplicationStatus.choices, help_text="Status after the event."
    )
    occurred_from = MomentFilter(
        field_name="occurred_at", lookup_expr="gte", help_text="At or after (RFC 3339)."
    )
    occurred_to = MomentFilter(
        field_name="occurred_at", lookup_expr="lte", help_text="At or before (RFC 3339)."
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []


ORDERS = {"asc": "oldest first", "desc": "newest first"}


class EventQuery(serializers.Serializer[Any]):
    after_seq = SeqField(required=False, default=0)
    before_seq = SeqField(required=False, minimum=1)
    limit = SeqField(required=False, default=100, minimum=1, maximum=1000)
    order = serializers.ChoiceField(choices=list(ORDERS), required=False, default="asc")
    format = serializers.ChoiceField(choices=["json", "csv", "ndjson"], required=False)


class CsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class NdjsonRenderer(renderers.BaseRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"


@extend_schema(tags=["events"])
class EventApi(ApiView, generics.GenericAPIView[AuditEvent]):
    """The global audit event feed; ``after_seq`` pulls only what is new."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = None
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, NdjsonRenderer]
    query_serializer_class = EventQuery

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.events_visible_to(user=self.request.user)

    @extend_schema(
        summary="The audit event feed and its exports",
        description="Events the caller may read, in keyset pages on `seq` (oldest first, or "
        "newest first with `order=desc`). `format=csv` or `format=ndjson` (or the matching "
        "Accept header) streams the whole filtered set in that order; the standalone verifier "
        "(`/api/verifier.py`) reads oldest-first exports.",
        parameters=[
            *filter_parameters(EventFilter),
            OpenApiParameter(
                "after_seq", NON_NEGATIVE, description="Only events with a greater seq."
            ),
            OpenApiParameter(
                "before_seq",
                {"type": "integer", "minimum": 1, "maximum": MAX_SEQ},
                description="Only events with a smaller seq (the next page of a newest-first "
                "walk).",
            ),
            OpenApiParameter("limit", PAGE_LIMIT, description="Page size, 1–1000 (JSON)."),
            OpenApiParameter(
                "order",
                OpenApiTypes.STR,
                enum=list(ORDERS),
                description="asc: oldest first (default); desc: newest first. The verifier "
                "reads oldest-first exports.",
            ),
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
            **error_responses(400, *READ_ERRORS),
        },
    )
    def get(self, request: Request) -> Any:
        query = query_params(EventQuery, request)
        events = self.filter_queryset(self.get_queryset())
        export = request.accepted_renderer.format
        newest_first = query["order"] == "desc"
        if export in {"csv", "ndjson"}:
            events = events.filter(seq__gt=query["after_seq"])
            if query.get("before_seq") is not None:
                events = events.filter(seq__lt=query["before_seq"])
            lines: Iterator[bytes]
            if copy_exports():  # PostgreSQL writes it (COPY), byte for byte the same
                copy = copy_csv_chunks if export == "csv" else copy_ndjson_chunks
                lines = copy(events, newest_first=newest_first)
            else:
                batches = event_batches(events, newest_first=newest_first)
                lines = csv_chunks(batches) if export == "csv" else ndjson_chunks(batches)
            response = StreamingHttpResponse(
                lines, content_type=f"{request.accepted_renderer.media_type}; charset=utf-8"
            )
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            response["Content-Disposition"] = f'attachment; filename="events-{stamp}.{export}"'
            return response
        return Response(
            _event_page(
                request,
                events,
                after_seq=query["after_seq"],
                before_seq=query.get("before_seq"),
                limit=query["limit"],
                newest_first=newest_first,
            )
        )
