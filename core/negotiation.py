"""Content negotiation for every DRF view (a module of its own: DRF reads it while its views
load, so it imports nothing that imports them)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation


class StrictFormatNegotiation(DefaultContentNegotiation):
    """An unknown ``format`` is a 404 (DRF's rule); so is an empty one (``?format=``), which
    DRF would otherwise ignore and answer as if no format had been asked for. (The auditor
    API's views refuse an empty parameter before this, with a 400 naming it.)"""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        override = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and override and request.query_params.get(override) == "":
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)
