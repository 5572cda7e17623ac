"""Letters through the API: metadata and the stored PDF (only once issued)."""

from __future__ import annotations

import json
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import READ_ERRORS, AccessLogged
from api.serializers import LetterSerializer
from core.drf import error_responses
from core.errors import NotVisible
from documents.models import LetterStatus
from documents.selectors import letter_get_for
from documents.storage import letter_key, open_private


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Only error bodies reach a renderer here (the PDF itself is a FileResponse).
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


@extend_schema(tags=["letters"])
class LetterApi(AccessLogged, viewsets.ViewSet):
    """Decision letters by number. A letter being prepared has metadata but no PDF yet (404)."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: LetterSerializer, **error_responses(404, *READ_ERRORS)})
    def retrieve(self, request: Request, number: str) -> Response:
        letter = letter_get_for(user=request.user, number=number, include_pending=True)
        return Response(LetterSerializer(letter, context={"request": request}).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The sealed PDF as issued."
            ),
            **error_responses(404, *READ_ERRORS),
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, number: str) -> FileResponse:
        letter = letter_get_for(user=request.user, number=number, include_pending=True)
        if letter.status != LetterStatus.ISSUED or not letter.storage_name:
            raise NotVisible(_("This letter has not been issued yet."))
        try:
            stored = open_private(letter_key(letter))
        except FileNotFoundError as error:
            raise NotVisible(_("This letter has not been issued yet.")) from error
        return FileResponse(
            stored,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{letter.number}.pdf",
        )
