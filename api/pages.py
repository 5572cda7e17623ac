"""What the API app serves outside ``/api/v1/``: the public page of signed checkpoints (and each
checkpoint as JSON, and the authority's certificate), the standalone verifier for download, the
problem types' documentation, and a problem+json 404 for unknown API routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from api.base import MAX_SEQ
from api.checkpoints import authority_certificate_pem, checkpoints_newest_first
from api.models import AuditCheckpoint
from api.serializers import CheckpointSerializer
from core.drf import PROBLEM_TYPES, problem_response

VERIFIER = Path(__file__).resolve().with_name("verifier.py")


class CheckpointsPage(View):
    """Public: every signed checkpoint, newest first, 50 a page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(checkpoints_newest_first(), 50).get_page(request.GET.get("page"))
        return render(request, "api/checkpoints.html", {"page": page})


class CheckpointJson(View):
    """Public: one checkpoint as the API gives it, to keep and to check offline."""

    def get(self, request: HttpRequest, seq: int) -> JsonResponse:
        checkpoint = (
            None if int(seq) > MAX_SEQ else AuditCheckpoint.objects.filter(seq=int(seq)).first()
        )
        if checkpoint is None:
            raise Http404(_("No such checkpoint."))
        data = CheckpointSerializer(checkpoint, context={"request": request}).data
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="checkpoint-{seq}.json"'
        return response


class CertificateFile(View):
    """Public: the authority's sealing certificate (PEM), which checkpoints are signed with."""

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(authority_certificate_pem(), content_type="application/x-pem-file")
        response["Content-Disposition"] = 'attachment; filename="sandbox-seal.pem"'
        return response


class VerifierFile(View):
    """Public: the standalone verifier, as it is in this release."""

    def get(self, request: HttpRequest) -> FileResponse:
        return FileResponse(
            VERIFIER.open("rb"),
            as_attachment=True,
            filename="verifier.py",
            content_type="text/x-python; charset=utf-8",
        )


class ProblemTypes(View):
    """Public: what each problem ``code`` means (the ``type`` URI of every error answer)."""

    def get(self, request: HttpRequest, code: str | None = None) -> JsonResponse:
        kinds = [PROBLEM_TYPES[code]] if code in PROBLEM_TYPES else list(PROBLEM_TYPES.values())
        if code is not None and code not in PROBLEM_TYPES:
            return problem_response(request, "not_found", _("No such problem type."))
        items = [
            {
                "code": k.code,
                "status": k.status,
                "title": str(k.title),
                "description": k.description,
            }
            for k in kinds
        ]
        return JsonResponse(items[0] if code else {"problem_types": items})


@csrf_exempt  # it changes nothing, whatever the method
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown routes under /api/: a problem, not an HTML page (with a hint for a missing
    trailing slash)."""
    detail = _("There is no such API endpoint; GET /api/v1/ lists them.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = _("There is no such API endpoint. Did you mean %(path)s?") % {
                "path": request.path + "/"
            }
    return problem_response(request, "not_found", detail)
