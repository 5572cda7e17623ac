"""The auditors' own endpoints: chain verification, signed checkpoints, and the API access log
(who pulled what, when, with which token)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors
from api.base import (
    MAX_SEQ,
    READ_ERRORS,
    ApiView,
    IntegerFilter,
    KeyFilter,
    MomentFilter,
    NewestFirst,
    StrictFilterSet,
    filter_parameters,
    query_params,
)
from api.checkpoints import CheckpointRefused, chain_verify, checkpoint_create
from api.models import ApiAccessLog, AuditCheckpoint, CheckpointTrigger
from api.permissions import (
    can_read_access_log,
    can_request_audit_checkpoint,
    can_verify_audit_chain,
    only,
)
from api.serializers import AccessLogSerializer, AuditVerifySerializer, CheckpointSerializer
from core.drf import error_responses
from core.errors import Conflict, NotVisible


class VerifyQuery(serializers.Serializer[Any]):
    start = serializers.ChoiceField(
        choices=["checkpoint", "genesis"], required=False, default="checkpoint"
    )


@extend_schema(tags=["audit"])
class AuditVerifyApi(ApiView, APIView):
    """Verify the audit chain and name the first broken event (auditors only)."""

    query_serializer_class = VerifyQuery
    permission_classes = [
        IsAuthenticated,
        only(can_verify_audit_chain, gettext_lazy("Only auditors may verify the audit chain.")),
    ]

    @extend_schema(
        summary="Verify the audit chain",
        description="From the last good signed checkpoint (default: only the events after it "
        "are walked, and every kept checkpoint must still match the event it signed), or from "
        "the genesis with `start=genesis` (every event, every checkpoint's signature).",
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.STR,
                enum=["checkpoint", "genesis"],
                description="Where to start (default: checkpoint).",
            )
        ],
        responses={200: AuditVerifySerializer, **error_responses(400, 403, *READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        query = query_params(VerifyQuery, request)
        result = chain_verify(from_genesis=query["start"] == "genesis")
        report = result.report
        checkpoint = result.checkpoint
        return Response(
            AuditVerifySerializer(
                {
                    "ok": report.ok,
                    "started_from": "checkpoint" if checkpoint is not None else "genesis",
                    "from_seq": report.from_seq,
                    "checkpoint_url": (
                        request.build_absolute_uri(
                            reverse("api:checkpoint-detail", args=[checkpoint.seq])
                        )
                        if checkpoint is not None
                        else None
                    ),
                    "checkpoints_checked": result.checkpoints_checked,
                    "events_checked": report.events_checked,
                    "head_seq": report.head_seq,
                    "head_hash": report.head_hash,
                    "first_broken_seq": report.first_broken_seq,
                    "problem": report.problem,
                }
            ).data
        )


class CheckpointPages(NewestFirst):
    ordering = "-seq"


SEQ = OpenApiParameter(
    "seq",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    "path",
    description="The checkpoint's seq.",
    examples=[OpenApiExample("A checkpoint", value=1234)],
)


@extend_schema(tags=["audit"])
class CheckpointApi(
    ApiView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[AuditCheckpoint],
):
    """Signed checkpoints of the audit chain: listed for everyone with API access (they are
    public), made on demand by auditors."""

    serializer_class = CheckpointSerializer
    pagination_class = CheckpointPages
    permission_classes = [
        IsAuthenticated,
        only(
            can_request_audit_checkpoint,
            gettext_lazy("Only auditors may ask for a checkpoint."),
            actions=("create",),
        ),
    ]
    lookup_field = "seq"
    lookup_value_regex = "[0-9]{1,19}"

    def get_queryset(self) -> QuerySet[AuditCheckpoint]:
        return AuditCheckpoint.objects.all()

    def get_object(self) -> AuditCheckpoint:
        seq = int(self.kwargs["seq"])
        checkpoint = AuditCheckpoint.objects.filter(seq=seq).first() if seq <= MAX_SEQ else None
        if checkpoint is None:
            raise NotVisible(_("No such checkpoint."))
        return checkpoint

    @extend_schema(
        summary="List signed checkpoints",
        description="Newest first. Keep one: the standalone verifier holds an export to it "
        "(`--checkpoint`), and `openssl dgst -sha256 -verify` checks its signature against the "
        "authority's certificate (`/audit/certificate.pem`).",
        responses={200: CheckpointSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One signed checkpoint",
        parameters=[SEQ],
        responses={200: CheckpointSerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Sign a checkpoint now",
        description="Verifies the chain from the last good checkpoint to the head, then signs "
        "the head (auditors only). 201 with the new checkpoint; 200 with the last one when the "
        "chain has not grown since; 409 when the chain does not verify (nothing is signed).",
        request=None,
        responses={
            201: CheckpointSerializer,
            200: CheckpointSerializer,
            **error_responses(403, 409, 401, 406, 429),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            checkpoint, created = checkpoint_create(
                trigger=CheckpointTrigger.DEMAND, by=request.user
            )
        except CheckpointRefused as error:
            raise Conflict(str(error)) from error
        data = CheckpointSerializer(checkpoint, context={"request": request}).data
        headers = {"Location": data["url"]} if created else {}
        return Response(
            data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers=headers
        )


class AccessLogFilter(StrictFilterSet):
    user = KeyFilter(table=User, key="username", field_name="user", help_text="Username.")
    token = django_filters.CharFilter(
        field_name="token__prefix", help_text="Token prefix (the 8 characters after sbx_)."
    )
    method = django_filters.ChoiceFilter(
        choices=[(m, m) for m in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")],
        help_text="HTTP method.",
    )
    status_code = IntegerFilter(minimum=100, maximum=599, help_text="HTTP status of the answer.")
    path = django_filters.CharFilter(
        field_name="path", lookup_expr="startswith", help_text="Paths starting with this."
    )
    request_id = django_filters.CharFilter(help_text="The X-Request-Id of one answer.")
    at_from = MomentFilter(field_name="at", lookup_expr="gte", help_text="At or after.")
    at_to = MomentFilter(field_name="at", lookup_expr="lte", help_text="At or before.")

    class Meta:
        model = ApiAccessLog
        fields: list[str] = []


class AccessLogPages(NewestFirst):
    ordering = "-id"


@extend_schema(tags=["audit"])
class AccessLogApi(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet[ApiAccessLog]):
    """Every API request by an authenticated caller (auditors only)."""

    serializer_class = AccessLogSerializer
    filterset_class = AccessLogFilter
    permission_classes = [
        IsAuthenticated,
        only(can_read_access_log, gettext_lazy("Only auditors may read the access log.")),
    ]
    pagination_class = AccessLogPages

    def get_queryset(self) -> QuerySet[ApiAccessLog]:
        return selectors.access_log_entries()

    @extend_schema(
        summary="The API access log",
        description="Who pulled what, when, with which token, and the answer's status and "
        "request id; newest first. This request is in it too.",
        parameters=filter_parameters(AccessLogFilter),
        responses={
            200: AccessLogSerializer(many=True),
            **error_responses(400, 403, *READ_ERRORS),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


ROOT_ENDPOINTS = [
    ("applications", "api:application-list", "Cases (list, one case, its history as of a moment)."),
    ("decisions", "api:decision-list", "The decisions register."),
    ("events", "api:event-list", "The audit event feed; CSV and NDJSON exports."),
    ("letters", "api:letter-list", "Decision letters: list, record, PDF, ZIP with manifest."),
    ("reports", "api:report-list", "Supervision: the reporting schedule and filed reports."),
    ("incidents", "api:incident-list", "Supervision: incidents reported during the term."),
    ("insurance_policies", "api:insurance-policy-list", "Supervision: insurance proofs."),
    ("user_notices", "api:user-notice-list", "Supervision: user-notice evidence."),
    ("conditions", "api:condition-list", "Supervision: the conditions registers."),
    ("prior_notices", "api:prior-notice-list", "Due process: prior notices, opinions, hearings."),
    ("meetings", "api:meeting-list", "Committee meetings, agenda papers and minutes."),
    ("audit_verify", "api:audit-verify", "Verify the audit chain (auditors)."),
    ("audit_checkpoints", "api:checkpoint-list", "Signed checkpoints of the chain."),
    ("access_log", "api:access-log-list", "Who used the API (auditors)."),
    ("webhooks", "api:webhook-list", "Webhook subscriptions and their deliveries (auditors)."),
]


class RootEntrySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    url = serializers.URLField()
    description = serializers.CharField()


class RootSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    version = serializers.CharField()
    schema = serializers.URLField()
    documentation = serializers.URLField()
    verifier = serializers.URLField(help_text="The standalone chain verifier (Python, stdlib).")
    checkpoints_page = serializers.URLField(help_text="The public list of signed checkpoints.")
    endpoints = RootEntrySerializer(many=True)


@extend_schema(tags=["api"])
class ApiRootApi(ApiView, APIView):
    """What this API offers, with links."""

    @extend_schema(
        summary="API root",
        description="The endpoints, the schema, the docs and the standalone verifier.",
        responses={200: RootSerializer, **error_responses(400, *READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        def url(name: str) -> str:
            return request.build_absolute_uri(reverse(name))

        return Response(
            {
                "name": "Sandbox API",
                "version": "1",
                "schema": url("api:schema"),
                "documentation": url("api:docs"),
                "verifier": url("api:verifier"),
                "checkpoints_page": url("audit-checkpoints"),
                "endpoints": [
                    {"name": name, "url": url(route), "description": text}
                    for name, route, text in ROOT_ENDPOINTS
                ],
            }
        )
