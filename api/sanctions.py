"""Due process through the API (read-only): prior notices with the company's opinion (and its
files) and the hearings held on them. Same scoping as every endpoint (auditors read all, staff
their ministry's cases, applicants their organisation's); a fixed number of queries per page."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers import UtcDateTimeField
from api.supervision import (
    FileSerializer,
    Username,
    _filters,
    _list_schema,
    _scoped,
    _SupervisionList,
)
from sanctions.models import Hearing, Measure, NoticeStatus, Opinion, PriorNotice


class OpinionSerializer(serializers.ModelSerializer[Opinion]):
    submitted_at = UtcDateTimeField()
    submitted_by = Username()
    attachments = FileSerializer(many=True, read_only=True)

    class Meta:
        model = Opinion
        fields = ["text", "hearing_requested", "attachments", "submitted_at", "submitted_by"]
        read_only_fields = fields


class HearingSerializer(serializers.ModelSerializer[Hearing]):
    scheduled_at = UtcDateTimeField()
    held_at = UtcDateTimeField(allow_null=True)
    minutes_file = FileSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Hearing
        fields = [
            "id",
            "scheduled_at",
            "place",
            "online",
            "held_at",
            "attendees",
            "minutes",
            "minutes_file",
        ]
        read_only_fields = fields


class PriorNoticeSerializer(serializers.ModelSerializer[PriorNotice]):
    application = serializers.CharField(source="application.reference")
    sent_at = UtcDateTimeField()
    sent_by = Username()
    closed_at = UtcDateTimeField(allow_null=True)
    incidents = serializers.SlugRelatedField[Any](many=True, read_only=True, slug_field="number")
    conditions = serializers.SlugRelatedField[Any](many=True, read_only=True, slug_field="number")
    opinion = serializers.SerializerMethodField()
    hearings = HearingSerializer(many=True, read_only=True)
    letter_decision = serializers.PrimaryKeyRelatedField[Any](read_only=True)
    measure_decision = serializers.PrimaryKeyRelatedField[Any](read_only=True)

    class Meta:
        model = PriorNotice
        fields = [
            "id",
            "application",
            "number",
            "measure",
            "grounds",
            "incidents",
            "conditions",
            "period_days",
            "opinion_due",
            "sent_at",
            "sent_by",
            "letter_decision",
            "status",
            "opinion",
            "hearings",
            "assessment_outcome",
            "assessment",
            "measure_decision",
            "closed_at",
            "close_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(OpinionSerializer(allow_null=True))
    def get_opinion(self, notice: PriorNotice) -> dict[str, Any] | None:
        try:
            opinion = notice.opinion
        except Opinion.DoesNotExist:
            return None
        return dict(OpinionSerializer(opinion).data)


def notices_visible_to(*, user: Any) -> QuerySet[PriorNotice]:
    return _scoped(
        PriorNotice.objects.select_related(
            "application", "sent_by", "opinion", "opinion__submitted_by"
        ).prefetch_related(
            "incidents", "conditions", "opinion__attachments", "hearings__minutes_file"
        ),
        user,
    )


PriorNoticeFilter = _filters(
    PriorNotice,
    NoticeStatus.choices,
    measure=django_filters.ChoiceFilter(choices=Measure.choices),
)


@extend_schema(tags=["sanctions"])
class PriorNoticeApi(_SupervisionList):
    """Prior notices of suspension or revocation: grounds, the opinion deadline, the company's
    opinion (with its files and any hearing request), hearings with their minutes, and what was
    decided (the measure's decision, or why it was closed), newest first."""

    serializer_class = PriorNoticeSerializer
    filterset_class = PriorNoticeFilter
    rows = staticmethod(notices_visible_to)

    @_list_schema(PriorNoticeSerializer, PriorNoticeFilter)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
