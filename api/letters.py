"""Letters through the API: a filtered list, metadata, the stored PDF (only once issued), and a
streamed ZIP of many letters with a SHA-256 manifest."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors
from api.base import (
    READ_ERRORS,
    ApiView,
    KeyFilter,
    MomentFilter,
    NewestFirst,
    StrictFilterSet,
    filter_parameters,
)
from api.serializers import LetterSerializer
from api.zips import letters_zip
from applications.models import Language, Program
from core.drf import error_responses
from core.errors import NotVisible
from documents.models import Letter, LetterKind, LetterStatus
from documents.selectors import letter_get_for
from documents.storage import letter_key, open_private

NUMBER = OpenApiParameter(
    "number",
    str,
    "path",
    description="The letter number printed on the letter.",
    examples=[OpenApiExample("A letter", value="ICT-2026-00001-L1")],
)


class _BinaryRenderer(renderers.BaseRenderer):
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Only error bodies reach a renderer here (files are streamed responses).
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class PdfRenderer(_BinaryRenderer):
    media_type = "application/pdf"
    format = "pdf"


class ZipRenderer(_BinaryRenderer):
    media_type = "application/zip"
    format = "zip"


class OctetRenderer(_BinaryRenderer):
    """For clients that take any file as bytes (``Accept: application/octet-stream``): the same
    bytes, labelled as such."""

    media_type = "application/octet-stream"
    format = "bin"


def _file_type(request: Request, native: str) -> str:
    return (
        OctetRenderer.media_type
        if request.accepted_media_type == OctetRenderer.media_type
        else native
    )


class LetterFilter(StrictFilterSet):
    application = django_filters.CharFilter(
        field_name="application__reference", help_text="Case reference."
    )
    program = KeyFilter(
        table=Program, key="code", field_name="application__program", help_text="Programme code."
    )
    kind = django_filters.ChoiceFilter(choices=LetterKind.choices, help_text="Kind of letter.")
    status = django_filters.ChoiceFilter(choices=LetterStatus.choices, help_text="Issued or not.")
    language = django_filters.ChoiceFilter(choices=Language.choices, help_text="Its language.")
    issued_from = MomentFilter(
        field_name="issued_at", lookup_expr="gte", help_text="Issued at or after (RFC 3339)."
    )
    issued_to = MomentFilter(
        field_name="issued_at", lookup_expr="lte", help_text="Issued at or before (RFC 3339)."
    )

    class Meta:
        model = Letter
        fields: list[str] = []


@extend_schema(tags=["letters"])
class LetterApi(ApiView, viewsets.GenericViewSet[Letter]):
    """Decision letters. A letter being prepared has metadata but no PDF yet (404)."""

    serializer_class = LetterSerializer
    filterset_class = LetterFilter
    pagination_class = NewestFirst
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Letter]:
        return selectors.letters_visible_to(user=self.request.user)

    def uses_list_parameters(self) -> bool:
        return getattr(self, "action", None) in (None, "list", "archive")

    def allowed_parameters(self) -> dict[str, bool]:
        allowed = super().allowed_parameters()
        if getattr(self, "action", None) == "archive":  # the whole filtered set: no pages
            for name in ("cursor", "page_size", "status"):  # issued letters only
                allowed.pop(name, None)
        return allowed

    @extend_schema(
        summary="List letters",
        description="Letters on the cases the caller may read (pending ones too), newest "
        "first, in cursor pages.",
        parameters=filter_parameters(LetterFilter),
        responses={200: LetterSerializer(many=True), **error_responses(400, *READ_ERRORS)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        letters = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(letters)
        data = LetterSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="One letter's record",
        parameters=[NUMBER],
        responses={200: LetterSerializer, **error_responses(400, 404, *READ_ERRORS)},
    )
    def retrieve(self, request: Request, number: str) -> Response:
        letter = letter_get_for(user=request.user, number=number, include_pending=True)
        return Response(LetterSerializer(letter, context={"request": request}).data)

    @extend_schema(
        summary="The letter as issued (PDF)",
        description="The sealed PDF, byte for byte as issued; its ETag is its SHA-256.",
        parameters=[NUMBER],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The sealed PDF as issued."
            ),
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The same bytes, for `Accept: application/octet-stream`.",
            ),
            **error_responses(400, 404, *READ_ERRORS),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PdfRenderer, OctetRenderer],
    )
    def pdf(self, request: Request, number: str) -> FileResponse:
        letter = letter_get_for(user=request.user, number=number, include_pending=True)
        if letter.status != LetterStatus.ISSUED or not letter.storage_name:
            raise NotVisible(_("This letter has not been issued yet."))
        self.etag_source = letter.sha256
        try:
            stored = open_private(letter_key(letter))
        except FileNotFoundError as error:
            raise NotVisible(_("This letter has not been issued yet.")) from error
        return FileResponse(
            stored,
            content_type=_file_type(request, "application/pdf"),
            as_attachment=True,
            filename=f"{letter.number}.pdf",
        )

    @extend_schema(
        summary="Many letters as one ZIP",
        description="Every issued letter that matches the filters, streamed as a ZIP with "
        "`SHA256SUMS` (the SHA-256 recorded when each letter was issued: `sha256sum -c "
        "SHA256SUMS`) and `manifest.csv` (per file: the recorded and the computed SHA-256).",
        parameters=[p for p in filter_parameters(LetterFilter) if p.name != "status"],
        responses={
            (200, "application/zip"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The letters, SHA256SUMS, manifest.csv"
            ),
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The same bytes, for `Accept: application/octet-stream`.",
            ),
            **error_responses(400, *READ_ERRORS),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="zip",
        renderer_classes=[renderers.JSONRenderer, ZipRenderer, OctetRenderer],
    )
    def archive(self, request: Request) -> StreamingHttpResponse:
        letters = (
            self.filter_queryset(self.get_queryset())
            .filter(status=LetterStatus.ISSUED)
            .order_by("issued_at", "id")
        )
        response = StreamingHttpResponse(
            letters_zip(letters.iterator()), content_type="application/zip"
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="letters-{stamp}.zip"'
        return response
