"""Supervision through the API (read-only): reports with their filings, incidents with their
messages, insurance policies, user notices and the conditions register. Same scoping as every
endpoint: auditors read all, staff their ministry's cases, applicants their organisation's;
each list runs a fixed number of queries whatever its length."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import READ_ERRORS, ApiView, NewestFirst, StrictFilterSet, filter_parameters
from api.selectors import api_applications_for
from api.serializers import UtcDateTimeField
from applications.models import InsuranceProof
from core.drf import error_responses
from documents.models import Document
from supervision.models import (
    ConditionRecord,
    ConditionStatus,
    FilingStatus,
    Incident,
    IncidentCategory,
    IncidentMessage,
    IncidentStatus,
    Report,
    ReportKind,
    ReportStatus,
    ReportSubmission,
    Severity,
    UserNotice,
)

# --- representations ------------------------------------------------------------------------


class Username(serializers.SlugRelatedField):  # type: ignore[type-arg]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


class FileSerializer(serializers.ModelSerializer[Document]):
    name = serializers.CharField(source="original_name")
    type = serializers.CharField(source="doc_type")

    class Meta:
        model = Document
        fields = ["id", "name", "type", "size", "sha256"]
        read_only_fields = fields


class ValueSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.CharField()


class FilingSerializer(serializers.ModelSerializer[ReportSubmission]):
    values = ValueSerializer(many=True, read_only=True)
    attachments = FileSerializer(many=True, read_only=True)
    submitted_at = UtcDateTimeField()
    submitted_by = Username()
    reviewed_at = UtcDateTimeField(allow_null=True)
    reviewed_by = Username()

    class Meta:
        model = ReportSubmission
        fields = [
            "number",
            "period_start",
            "period_end",
            "values",
            "users_served",
            "transactions",
            "complaints",
            "complaints_summary",
            "incidents_summary",
            "problems",
            "attachments",
            "submitted_at",
            "submitted_by",
            "outcome",
            "review_reasons",
            "reviewed_at",
            "reviewed_by",
        ]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer[Report]):
    application = serializers.CharField(source="application.reference")
    overdue_at = UtcDateTimeField(allow_null=True)
    filings = FilingSerializer(source="submissions", many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "application",
            "number",
            "kind",
            "period_start",
            "period_end",
            "due_on",
            "condition_number",
            "status",
            "overdue_at",
            "filings",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer[IncidentMessage]):
    author = Username()
    at = UtcDateTimeField()

    class Meta:
        model = IncidentMessage
        fields = ["kind", "text", "author", "author_role", "at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    application = serializers.CharField(source="application.reference")
    occurred_at = UtcDateTimeField()
    detected_at = UtcDateTimeField()
    reported_at = UtcDateTimeField()
    reported_by = Username()
    attachments = FileSerializer(many=True, read_only=True)
    messages = MessageSerializer(many=True, read_only=True)
    sanctions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "application",
            "number",
            "category",
            "severity",
            "occurred_at",
            "detected_at",
            "reported_at",
            "deadline_hours",
            "late",
            "affected_users",
            "description",
            "actions_taken",
            "corrective_actions",
            "status",
            "reported_by",
            "attachments",
            "messages",
            "sanctions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sanctions(self, incident: Incident) -> list[int]:
        """The decisions (suspension, revocation) that cite the incident as a ground."""
        return sorted(d.pk for d in incident.sanctions.all())


class InsurancePolicySerializer(serializers.ModelSerializer[InsuranceProof]):
    application = serializers.CharField(source="application.reference")
    aggregate = serializers.IntegerField(source="insured_amount")
    added_at = UtcDateTimeField()
    added_by = Username()
    certificate = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    review_reasons = serializers.SerializerMethodField()
    reviewed_at = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = InsuranceProof
        fields = [
            "id",
            "application",
            "insurer",
            "policy_number",
            "coverage_start",
            "coverage_end",
            "coverage_per_person",
            "coverage_per_accident",
            "aggregate",
            "added_at",
            "added_by",
            "certificate",
            "status",
            "review_reasons",
            "reviewed_at",
            "reviewed_by",
        ]
        read_only_fields = fields

    @staticmethod
    def _policy(proof: InsuranceProof) -> Any:
        return getattr(proof, "policy", None)

    @extend_schema_field(FileSerializer(allow_null=True))
    def get_certificate(self, proof: InsuranceProof) -> dict[str, Any] | None:
        policy = self._policy(proof)
        if policy is None or policy.certificate is None:
            return None
        return dict(FileSerializer(policy.certificate).data)

    @extend_schema_field(serializers.ChoiceField(choices=FilingStatus.choices))
    def get_status(self, proof: InsuranceProof) -> str:
        policy = self._policy(proof)
        return str(policy.status) if policy is not None else str(FilingStatus.SUBMITTED)

    @extend_schema_field(serializers.CharField())
    def get_review_reasons(self, proof: InsuranceProof) -> str:
        policy = self._policy(proof)
        return str(policy.review_reasons) if policy is not None else ""

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewed_at(self, proof: InsuranceProof) -> str | None:
        policy = self._policy(proof)
        return (
            UtcDateTimeField().to_representation(policy.reviewed_at)
            if policy and policy.reviewed_at
            else None
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewed_by(self, proof: InsuranceProof) -> str | None:
        policy = self._policy(proof)
        return policy.reviewed_by.get_username() if policy and policy.reviewed_by else None


class UserNoticeSerializer(serializers.ModelSerializer[UserNotice]):
    application = serializers.CharField(source="application.reference")
    attachments = FileSerializer(many=True, read_only=True)
    filed_at = UtcDateTimeField()
    filed_by = Username()
    reviewed_at = UtcDateTimeField(allow_null=True)
    reviewed_by = Username()

    class Meta:
        model = UserNotice
        fields = [
            "id",
            "application",
            "number",
            "channels",
            "notice_text",
            "url",
            "attachments",
            "filed_at",
            "filed_by",
            "status",
            "review_reasons",
            "reviewed_at",
            "reviewed_by",
        ]
        read_only_fields = fields


class ConditionSerializer(serializers.ModelSerializer[ConditionRecord]):
    application = serializers.CharField(source="application.reference")
    decision = serializers.IntegerField(source="decision_id")
    updated_at = UtcDateTimeField(allow_null=True)
    updated_by = Username()

    class Meta:
        model = ConditionRecord
        fields = [
            "id",
            "application",
            "decision",
            "number",
            "text",
            "status",
            "evidence",
            "note",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


# --- what each caller may read -------------------------------------------------------------------


def _scoped(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Rows of the submitted cases the user may read (the same scope as ``/applications/``)."""
    return queryset.filter(application__in=api_applications_for(user=user).values("pk"))


def reports_visible_to(*, user: Any) -> QuerySet[Report]:
    filings = ReportSubmission.objects.select_related(
        "submitted_by", "reviewed_by"
    ).prefetch_related("values", "attachments")
    return _scoped(
        Report.objects.select_related("application").prefetch_related(
            Prefetch("submissions", queryset=filings.order_by("number"))
        ),
        user,
    )


def incidents_visible_to(*, user: Any) -> QuerySet[Incident]:
    return _scoped(
        Incident.objects.select_related("application", "reported_by").prefetch_related(
            "attachments",
            "sanctions",
            Prefetch("messages", queryset=IncidentMessage.objects.select_related("author")),
        ),
        user,
    )


def policies_visible_to(*, user: Any) -> QuerySet[InsuranceProof]:
    return _scoped(
        InsuranceProof.objects.select_related(
            "application", "added_by", "policy__certificate", "policy__reviewed_by"
        ),
        user,
    )


def notices_visible_to(*, user: Any) -> QuerySet[UserNotice]:
    return _scoped(
        UserNotice.objects.select_related(
            "application", "filed_by", "reviewed_by"
        ).prefetch_related("attachments"),
        user,
    )


def conditions_visible_to(*, user: Any) -> QuerySet[ConditionRecord]:
    return _scoped(ConditionRecord.objects.select_related("application", "updated_by"), user)


# --- endpoints --------------------------------------------------------------------------------------


def _filters(model: Any, statuses: Any = None, **extra: Any) -> type[StrictFilterSet]:
    """A filter set: the case reference, and the status where the records have one."""
    attrs: dict[str, Any] = {
        "application": django_filters.CharFilter(
            field_name="application__reference", help_text=gettext_lazy("Case reference.")
        ),
        **extra,
    }
    if statuses is not None:
        attrs["status"] = django_filters.ChoiceFilter(choices=statuses)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}Filter", (StrictFilterSet,), attrs)


ReportFilter = _filters(
    Report, ReportStatus.choices, kind=django_filters.ChoiceFilter(choices=ReportKind.choices)
)
IncidentFilter = _filters(
    Incident,
    IncidentStatus.choices,
    severity=django_filters.ChoiceFilter(choices=Severity.choices),
    category=django_filters.ChoiceFilter(choices=IncidentCategory.choices),
)
PolicyFilter = _filters(InsuranceProof)
NoticeFilter = _filters(UserNotice, FilingStatus.choices)
ConditionFilter = _filters(ConditionRecord, ConditionStatus.choices)


class _SupervisionList(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet[Any]):
    pagination_class = NewestFirst
    rows: Any = None  # the selector of what the caller may read

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).rows(user=self.request.user)  # type: ignore[no-any-return]


def _parameters(filterset: Any) -> list[Any]:
    """The filter set's parameters, free text saying that it cannot hold NUL characters
    (Django refuses them with a 400, as it should)."""
    parameters = filter_parameters(filterset)
    for parameter in parameters:
        schema = parameter.type
        if (
            isinstance(schema, dict)
            and schema.get("type") == "string"
            and set(schema)
            == {
                "type",
                "minLength",
            }
        ):
            schema["pattern"] = "^[^\\x00]+$"
    return parameters


def _list_schema(serializer: Any, filterset: Any) -> Any:
    return extend_schema(
        parameters=_parameters(filterset),
        responses={200: serializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    )


@extend_schema(tags=["supervision"])
class ReportApi(_SupervisionList):
    """The reporting schedules: each report with its period, due date, status and filings
    (values of the test plan's data items, the officer's review), newest first."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    rows = staticmethod(reports_visible_to)

    @_list_schema(ReportSerializer, ReportFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["supervision"])
class IncidentApi(_SupervisionList):
    """Incidents reported during the term, with the messages about them, newest first."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    rows = staticmethod(incidents_visible_to)

    @_list_schema(IncidentSerializer, IncidentFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["supervision"])
class InsurancePolicyApi(_SupervisionList):
    """Liability insurance policies filed on waivers, with their review, newest first."""

    serializer_class = InsurancePolicySerializer
    filterset_class = PolicyFilter
    rows = staticmethod(policies_visible_to)

    @_list_schema(InsurancePolicySerializer, PolicyFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["supervision"])
class UserNoticeApi(_SupervisionList):
    """Evidence of how users are told about the waiver, with its review, newest first."""

    serializer_class = UserNoticeSerializer
    filterset_class = NoticeFilter
    rows = staticmethod(notices_visible_to)

    @_list_schema(UserNoticeSerializer, NoticeFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["supervision"])
class ConditionApi(_SupervisionList):
    """The conditions registers: each numbered condition of an approval with its status,
    evidence and the officer's note, newest first."""

    serializer_class = ConditionSerializer
    filterset_class = ConditionFilter
    rows = staticmethod(conditions_visible_to)

    @_list_schema(ConditionSerializer, ConditionFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
