"""Parts every API endpoint shares: access logging, strict query parameters, cursor pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination, renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import api_access_record

READ_ERRORS = (401, 405, 406, 429)


class AccessLogged:
    """Every answer to an authenticated user is written to the API access log; error bodies
    are JSON even where the request asked for an export format or a PDF."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.accepted_media_type != "application/json":
            # Only the streams and files are not JSON; errors and OPTIONS answers always are.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        api_access_record(request=request, status_code=response.status_code)
        return response


def moment_in_range(value: dt.datetime) -> bool:
    """Moments are compared in UTC: one that cannot be expressed there (year 1 or 9999 with an
    offset) is refused rather than overflowing."""
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        return False
    return dt.datetime(1, 1, 2, tzinfo=dt.UTC) <= utc <= dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


class MomentField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if not moment_in_range(moment):
            raise ValidationError(_("This moment is out of range."))
        return moment


class StrictFilterSet(django_filters.FilterSet):
    """A parameter given empty is an error (400), not silently ignored; so is a moment out of
    range."""

    def is_valid(self) -> bool:
        super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, _("Give a value or leave the parameter out."))
        for name, value in list(getattr(self.form, "cleaned_data", {}).items()):
            if isinstance(value, dt.datetime) and not moment_in_range(value):
                self.form.add_error(name, _("This moment is out of range."))
        return self.form.is_valid()


class NewestFirst(pagination.CursorPagination):
    ordering: str | tuple[str, ...] = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        """A page size out of 1–500 is a 400, not silently replaced by the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"page_size": [_("Give a whole number from 1 to 500.")]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


def filter_parameters(filterset: type[django_filters.FilterSet]) -> list[OpenApiParameter]:
    """Query parameters for a filter set as the API checks them: strings non-empty, dates and
    moments in ISO 8601, choices as enums."""
    parameters = []
    for name, item in filterset.base_filters.items():
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if isinstance(item, django_filters.ChoiceFilter):
            schema = {"type": "string", "enum": [value for value, _label in item.extra["choices"]]}
        elif isinstance(item, django_filters.IsoDateTimeFilter):
            schema = {"type": "string", "format": "date-time"}
        elif isinstance(item, django_filters.DateFilter):
            schema = {"type": "string", "format": "date"}
        help_text = item.extra.get("help_text")
        parameters.append(OpenApiParameter(name, schema, description=help_text or ""))
    return parameters


NON_NEGATIVE = {"type": "integer", "minimum": 0}
PAGE_LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000}


def query_params(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    """Validated query parameters; one given empty is an error, not the default."""
    names: list[str] = list(serializer_class().fields.keys())
    empty: dict[str, Any] = {
        name: [_("Give a value or leave the parameter out.")]
        for name in names
        if request.query_params.get(name) == ""
    }
    if empty:
        raise ValidationError(empty)
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data
