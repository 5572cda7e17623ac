"""Committee meetings through the API (read-only): meetings with their agenda items, attendance,
recusals, votes and results, the papers' metadata, and the sealed agenda papers and minutes.
Who may read which meeting is ``committees``' rule: auditors every meeting, the secretariat and
decision makers their programmes', members the meetings held while they sat; others 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import (
    READ_ERRORS,
    ApiView,
    LocalDayFilter,
    NewestFirst,
    StrictFilterSet,
    filter_parameters,
)
from api.letters import PdfRenderer
from api.serializers import UtcDateTimeField
from committees.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Recusal,
    Vote,
)
from committees.selectors import meetings_visible_to
from core.drf import error_responses
from core.errors import NotVisible
from documents.models import Paper
from documents.storage import open_private, paper_key

# --- representations ---------------------------------------------------------------------------


def _member(seat: Any) -> str:
    return str(seat.user.get_username())


class PaperSerializer(serializers.Serializer[Paper]):
    reference = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    created_at = UtcDateTimeField()
    created_by = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, paper: Paper) -> str | None:
        return paper.created_by.get_username() if paper.created_by else None


class AttendanceSerializer(serializers.Serializer[Attendance]):
    member = serializers.SerializerMethodField()
    role = serializers.CharField(source="seat.role")
    present = serializers.BooleanField()

    def get_member(self, row: Attendance) -> str:
        return _member(row.seat)


class RecusalSerializer(serializers.Serializer[Recusal]):
    member = serializers.SerializerMethodField()
    reason = serializers.CharField()
    declared_at = UtcDateTimeField()

    def get_member(self, row: Recusal) -> str:
        return _member(row.seat)


class VoteSerializer(serializers.Serializer[Vote]):
    member = serializers.SerializerMethodField()
    vote = serializers.CharField(source="choice")

    def get_member(self, row: Vote) -> str:
        return _member(row.seat)


class AgendaItemSerializer(serializers.Serializer[AgendaItem]):
    position = serializers.IntegerField()
    application = serializers.CharField(source="application.reference")
    deferred_from = serializers.SerializerMethodField()
    dropped_at = UtcDateTimeField(allow_null=True)
    dropped_status = serializers.CharField()
    result = serializers.CharField()
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)
    conditions = serializers.ListField(child=serializers.CharField())
    reasons = serializers.CharField()
    result_recorded_at = UtcDateTimeField(allow_null=True)
    votes = VoteSerializer(many=True)
    recusals = RecusalSerializer(many=True)
    decision = serializers.IntegerField(source="decision_id", allow_null=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_deferred_from(self, item: AgendaItem) -> int | None:
        return item.carried_from.meeting_id if item.carried_from is not None else None


class MeetingSerializer(serializers.Serializer[Meeting]):
    id = serializers.IntegerField()
    program = serializers.CharField(source="committee.program.code")
    committee = serializers.CharField(source="committee.name")
    committee_en = serializers.CharField(source="committee.name_en")
    number = serializers.IntegerField()
    starts_at = UtcDateTimeField()
    time_zone = serializers.CharField(source="committee.program.time_zone")
    venue = serializers.CharField()
    place = serializers.CharField()
    status = serializers.CharField()
    agenda_sent_at = UtcDateTimeField(allow_null=True)
    members_in_office = serializers.IntegerField(allow_null=True)
    members_present = serializers.IntegerField(allow_null=True)
    quorum_required = serializers.IntegerField(allow_null=True)
    quorum_met = serializers.BooleanField(allow_null=True)
    minutes_approved_at = UtcDateTimeField(allow_null=True)
    minutes_approved_by = serializers.SerializerMethodField()
    decisions_issued_at = UtcDateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_minutes_approved_by(self, meeting: Meeting) -> str | None:
        user = meeting.minutes_approved_by
        return user.get_username() if user is not None else None

    @extend_schema_field(serializers.URLField())
    def get_url(self, meeting: Meeting) -> str:
        return self._absolute(reverse("api:meeting-detail", args=[meeting.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MeetingDetailSerializer(MeetingSerializer):
    attendance = AttendanceSerializer(many=True)
    items = AgendaItemSerializer(many=True)
    agenda_paper = PaperSerializer(allow_null=True)
    agenda_pdf_url = serializers.SerializerMethodField()
    minutes = PaperSerializer(source="minutes_paper", allow_null=True)
    minutes_pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_agenda_pdf_url(self, meeting: Meeting) -> str | None:
        if meeting.agenda_paper_id is None:
            return None
        return self._absolute(reverse("api:meeting-agenda", args=[meeting.pk]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_minutes_pdf_url(self, meeting: Meeting) -> str | None:
        if meeting.minutes_paper_id is None:
            return None
        return self._absolute(reverse("api:meeting-minutes", args=[meeting.pk]))


# --- reads ----------------------------------------------------------------------------------------


def meetings_for(*, user: Any) -> QuerySet[Meeting]:
    """The meetings the user may read, with what a list shows joined in."""
    return meetings_visible_to(user=user).select_related(
        "minutes_approved_by", "agenda_paper", "minutes_paper"
    )


def meeting_detail_for(*, user: Any, pk: str) -> Meeting:
    """One meeting with its items, votes, recusals and attendance, in a fixed number of
    queries; ``NotVisible`` when it does not exist for this user (or ``pk`` is no id)."""
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        raise NotVisible(_("No such meeting."))
    meeting = (
        meetings_for(user=user)
        .select_related("agenda_paper__created_by", "minutes_paper__created_by")
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.select_related("seat__user")),
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related("application", "carried_from")
                .prefetch_related(
                    Prefetch("votes", queryset=Vote.objects.select_related("seat__user")),
                    Prefetch("recusals", queryset=Recusal.objects.select_related("seat__user")),
                )
                .order_by("position", "id"),
            ),
        )
        .filter(pk=int(pk))
        .first()
    )
    if meeting is None:
        raise NotVisible(_("No such meeting."))
    return meeting


# --- endpoints --------------------------------------------------------------------------------


class MeetingFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)
    starts_from = LocalDayFilter(field_name="starts_at", lookup_expr="gte")
    starts_to = LocalDayFilter(field_name="starts_at", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields: list[str] = []


class MeetingsNewestFirst(NewestFirst):
    ordering = ("-starts_at", "-id")
    position_is_moment = True


@extend_schema(tags=["committees"])
class MeetingApi(ApiView, viewsets.ReadOnlyModelViewSet[Meeting]):
    """Committee meetings the caller may read, newest first."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    pagination_class = MeetingsNewestFirst
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Meeting]:
        return meetings_for(user=self.request.user)

    @extend_schema(
        parameters=filter_parameters(MeetingFilter),
        responses={200: MeetingSerializer(many=True), **error_responses(400, 404, *READ_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        filters=False,
        responses={200: MeetingDetailSerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = meeting_detail_for(user=request.user, pk=str(kwargs["pk"]))
        return Response(MeetingDetailSerializer(meeting, context={"request": request}).data)

    def _pdf(self, request: Request, pk: str, which: str) -> FileResponse:
        meeting = meeting_detail_for(user=request.user, pk=pk)
        paper = meeting.agenda_paper if which == "agenda" else meeting.minutes_paper
        if paper is None:
            raise NotVisible(_("These papers do not exist yet."))
        try:
            stored = open_private(paper_key(paper))
        except FileNotFoundError as error:
            raise NotVisible(_("These papers do not exist yet.")) from error
        self.etag_source = paper.sha256
        return FileResponse(
            stored,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{paper.reference}.pdf",
        )

    @extend_schema(
        filters=False,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The sealed agenda papers."
            ),
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PdfRenderer],
        pagination_class=None,
        filterset_class=None,
    )
    def agenda(self, request: Request, pk: str) -> FileResponse:
        return self._pdf(request, pk, "agenda")

    @extend_schema(
        filters=False,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The sealed, approved minutes."
            ),
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PdfRenderer],
        pagination_class=None,
        filterset_class=None,
    )
    def minutes(self, request: Request, pk: str) -> FileResponse:
        return self._pdf(request, pk, "minutes")
