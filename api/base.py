"""Parts every API endpoint shares: strict parameters, the answer's headers (request id,
``Cache-Control``, ``ETag``/304, ``RateLimit``), access logging, signed cursor pages.

The order of checks on each request: authentication (401) → permission (403) → throttle
(429) → method (405) → parameters (400) → content negotiation (406) → the endpoint. Every parameter rule
fails closed with a 400 naming the parameter (``core/drf.py``: problem+json), never a 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import django_filters
from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import pagination, renderers, serializers
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.auth import api_access_record
from core.drf import PROBLEM_JSON, ParameterProblem

READ_ERRORS = (401, 405, 406, 429)
MAX_SEQ = 2**63 - 1  # PostgreSQL's bigint: a larger number could not be compared at all
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


# --- parameters ---------------------------------------------------------------------------


def check_parameters(request: Request, allowed: dict[str, bool], path: dict[str, Any]) -> None:
    """Unknown parameters, a single-valued one given twice, empty values and NUL characters are
    each a 400 naming the parameter. ``allowed`` maps each name to whether it may repeat."""
    errors: dict[str, list[str]] = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        label = name.replace("\x00", "\\0")
        if "\x00" in name:
            errors[label] = [_("NUL characters are not allowed.")]
        elif name not in allowed:
            errors[label] = [_("Unknown parameter.")]
        elif len(values) > 1 and not allowed[name]:
            errors[label] = [_("Give this parameter once.")]
        elif any(value == "" for value in values):
            errors[label] = [_("Give a value or leave the parameter out.")]
        elif any("\x00" in value for value in values):
            errors[label] = [_("NUL characters are not allowed.")]
    if errors:
        raise ParameterProblem(errors)
    bad_path = {
        name: [_("NUL characters are not allowed.")]
        for name, value in path.items()
        if isinstance(value, str) and "\x00" in value
    }
    if bad_path:
        raise ParameterProblem(bad_path, location="path")


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[0-9]{1,19}$")


def parse_moment(text: str) -> dt.datetime:
    """An RFC 3339 moment with its offset (``Z`` or ``±hh:mm``), from 0001-01-02 to 9999-12-30
    in UTC; a moment without an offset is refused rather than read in some zone."""
    if not _MOMENT.match(text):
        if re.match(r"^\d{4}-\d{2}-\d{2}T[\d:.]+$", text):
            raise ValidationError(
                _("Give the UTC offset too, e.g. 2026-03-02T01:00:00Z or …+09:00.")
            )
        raise ValidationError(_("Give a moment like 2026-03-02T01:00:00Z."))
    try:
        moment = dt.datetime.fromisoformat(text)
        utc = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError) as error:
        raise ValidationError(_("This moment is out of range.")) from error
    if not EARLIEST <= utc <= LATEST:
        raise ValidationError(_("This moment is out of range."))
    return utc


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise ValidationError(_("Give a date like 2026-03-02."))
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ValidationError(_("This is not a date.")) from error


class MomentField(serializers.Field):  # type: ignore[type-arg]
    """A query moment (see ``parse_moment``)."""

    def to_internal_value(self, data: Any) -> dt.datetime:
        return parse_moment(str(data))

    def to_representation(self, value: Any) -> Any:
        return value


class SeqField(serializers.Field):  # type: ignore[type-arg]
    """A sequence number: digits only, 0 to 2**63-1."""

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_SEQ, **kwargs: Any) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = str(data)
        if not _INTEGER.match(text) or not self.minimum <= int(text) <= self.maximum:
            raise ValidationError(
                _("Give a whole number from %(low)s to %(high)s.")
                % {"low": self.minimum, "high": self.maximum}
            )
        return int(text)

    def to_representation(self, value: Any) -> Any:
        return value


class _MomentFormField(forms.Field):
    def to_python(self, value: Any) -> dt.datetime | None:
        if value in (None, ""):
            return None
        try:
            return parse_moment(str(value))
        except ValidationError as error:
            raise forms.ValidationError(str(error.detail[0])) from error  # type: ignore[index]


class _DateFormField(forms.Field):
    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            return parse_date(str(value))
        except ValidationError as error:
            raise forms.ValidationError(str(error.detail[0])) from error  # type: ignore[index]


class _IntegerFormField(forms.Field):
    def __init__(self, *, minimum: int = 0, maximum: int = MAX_SEQ, **kwargs: Any) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        text = str(value)
        if not _INTEGER.match(text) or not self.minimum <= int(text) <= self.maximum:
            raise forms.ValidationError(
                _("Give a whole number from %(low)s to %(high)s.")
                % {"low": self.minimum, "high": self.maximum}
            )
        return int(text)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.Filter):
    """A whole number in a range (digits only)."""

    field_class = _IntegerFormField


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentFilter(django_filters.Filter):
    """A moment filter: RFC 3339 with its offset, in range (see ``parse_moment``)."""

    field_class = _MomentFormField


@extend_schema_field(OpenApiTypes.DATE)
class LocalDayFilter(django_filters.Filter):
    """A calendar date filter (``YYYY-MM-DD`` only) on a moment column (``field_name``):
    ``lookup_expr`` "gte" keeps the moments on or after the day's start, "lte" those before the
    next day's start, the day in the current time zone. That is what ``<moment>__date`` tests,
    as a range on the column itself, which an index can serve; the date of each moment is
    computed row by row, so an answer with few cases read every case (at 100k cases, 105-148 ms
    for an empty one). A day whose bound no moment can hold (the calendar's first or last)
    bounds nothing."""

    field_class = _DateFormField

    def filter(self, qs: Any, value: Any) -> Any:
        if value in EMPTY_VALUES:
            return qs
        if self.lookup_expr == "gte":
            bound, lookup = day_start(value), "gte"
        else:
            bound, lookup = day_start(value, days_after=1), "lt"
        if bound is None:
            return qs
        return qs.filter(**{f"{self.field_name}__{lookup}": bound})


def day_start(day: dt.date, *, days_after: int = 0) -> dt.datetime | None:
    """The first moment of ``day`` (plus ``days_after`` days) in the current time zone, in UTC;
    None past the calendar's ends."""
    try:
        start = dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time.min)
        return timezone.make_aware(start).astimezone(dt.UTC)
    except OverflowError:
        return None


class KeyFilter(django_filters.CharFilter):
    """A filter by a small table's key (a programme's code, its ministry's, an organisation's
    registration number): the rows of ``table`` whose ``key`` is the value are read first, and
    the records are tested by ``field_name`` among their ids. A value that names nothing answers
    nothing without a query of the records; tested through a join (``program__code``), such an
    answer read every case (at 100k cases, 56-115 ms for an empty one)."""

    def __init__(self, *, table: Any, key: str, **kwargs: Any) -> None:
        self.table, self.key = table, key
        super().__init__(**kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if value in EMPTY_VALUES:
            return qs
        ids = list(
            self.table._default_manager.filter(**{self.key: value})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return qs.none()
        return qs.filter(**{f"{self.field_name}__in": ids})


class StrictFilterSet(django_filters.FilterSet):
    """Filters for one endpoint; what ``check_parameters`` leaves is checked here (values)."""


# --- the view mixin ---------------------------------------------------------------------------


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _matches(header: str, etag: str) -> bool:
    """If-None-Match, weak comparison (RFC 9110 §13.1.2)."""
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}


class ApiView:
    """Mixed into every API view, before DRF's class.

    ``query_serializer_class``: the view's own query parameters (besides filters and pages),
    validated by ``query_params``. Filters and page parameters count only where the view lists
    (``uses_list_parameters``)."""

    query_serializer_class: type[serializers.Serializer[Any]] | None = None
    rate_limit: tuple[int, int, int, int] | None = None
    etag_source: str | None = None  # set by an endpoint whose ETag is known (a PDF's SHA-256)

    def uses_list_parameters(self) -> bool:
        return getattr(self, "action", None) in (None, "list")

    def allowed_parameters(self) -> dict[str, bool]:
        allowed: dict[str, bool] = {}
        if self.uses_list_parameters():
            filterset = getattr(self, "filterset_class", None)
            if filterset is not None:
                for name, item in filterset.base_filters.items():
                    allowed[name] = isinstance(item, django_filters.MultipleChoiceFilter)
            paginator = getattr(self, "paginator", None)
            if isinstance(paginator, pagination.CursorPagination):
                allowed[paginator.cursor_query_param] = False
                if paginator.page_size_query_param:
                    allowed[paginator.page_size_query_param] = False
        view: Any = self
        if len(view.get_renderers()) > 1:  # ?format= picks one (the schema lists them)
            allowed["format"] = False
        if self.query_serializer_class is not None:
            for name, field in self.query_serializer_class().fields.items():
                allowed[name] = isinstance(field, serializers.ListField)
        return allowed

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        view: Any = self
        view.format_kwarg = view.get_format_suffix(**kwargs)
        view.perform_authentication(request)
        view.check_permissions(request)
        view.check_throttles(request)
        method = (request.method or "").lower()
        if method not in view.http_method_names or not hasattr(view, method):
            raise MethodNotAllowed(request.method or "")
        check_parameters(request, self.allowed_parameters(), kwargs)
        wanted = request.query_params.get("format")
        formats = [renderer.format for renderer in view.get_renderers()]
        if wanted is not None and wanted not in formats:
            raise ParameterProblem(
                {"format": _("Choose one of: %(formats)s.") % {"formats": ", ".join(formats)}}
            )
        negotiated = view.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = negotiated

    def check_throttles(self, request: Request) -> None:
        view: Any = self
        waits = []
        for throttle in view.get_throttles():
            allowed = throttle.allow_request(request, self)
            quota = getattr(throttle, "quota", None)
            if quota is not None and quota() is not None:
                self.rate_limit = quota()
            if not allowed:
                waits.append(throttle.wait())
        if waits:
            view.throttled(request, max(wait or 0 for wait in waits))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.accepted_media_type not in (
            "application/json",
            PROBLEM_JSON,
        ):
            # Only streams and files are not JSON; errors and OPTIONS answers always are.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        response["Cache-Control"] = "no-store"
        if self.rate_limit is not None:
            limit, remaining, reset, window = self.rate_limit
            response["RateLimit-Policy"] = f'"api";q={limit};w={window}'
            response["RateLimit"] = f'"api";r={remaining};t={reset}'
        response = self._conditional(request, response)
        api_access_record(request=request, status_code=response.status_code)
        return response

    def _conditional(self, request: Request, response: Any) -> Any:
        """``ETag`` on every 200 answer to GET (its body's SHA-256, or the PDF's); 304 when the
        client's ``If-None-Match`` holds it."""
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if self.etag_source is not None:
            etag = f'"{self.etag_source}"'
        elif isinstance(response, Response):
            response.render()
            etag = _etag(response.content)
        else:
            return response
        response["ETag"] = etag
        if not _matches(request.headers.get("If-None-Match", ""), etag):
            return response
        stream = getattr(response, "file_to_stream", None)
        if stream is not None:  # a PDF not sent after all (close() would end the request)
            stream.close()
        not_modified = HttpResponse(status=304)
        for header in ("ETag", "Cache-Control", "RateLimit", "RateLimit-Policy", "Vary"):
            if header in response:
                not_modified[header] = response[header]
        return not_modified


def query_params(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    """The view's own query parameters, validated (400 naming each bad one)."""
    query = serializer_class(data=request.query_params)
    if not query.is_valid():
        raise ParameterProblem(
            {name: [str(m) for m in messages] for name, messages in query.errors.items()}
        )
    return query.validated_data


# --- pages ------------------------------------------------------------------------------------


CURSOR = re.compile(r"^([np])([0-9]{1,19})?(?:~([0-9]{1,4}))?$")
CURSOR_PATTERN = CURSOR.pattern
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST_MICROS = (LATEST - EPOCH) // dt.timedelta(microseconds=1)


class NewestFirst(pagination.CursorPagination):
    """Cursor pages with a cursor anyone can read: ``n`` (next) or ``p`` (previous), the
    position of the page's edge as a number (an id, or a moment as microseconds since 1970),
    and ``~offset`` past items sharing that position. A cursor that does not have this form is
    a 400 naming it, never a 500; one that has it only moves the page (filters and who may see
    what still apply), so there is nothing to forge."""

    ordering: str | tuple[str, ...] = "-id"
    position_is_moment = False  # the first ordering field is a moment (decided_at), not an id
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    offset_cutoff = 1000

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        match = CURSOR.match(encoded)
        if match is None:
            raise ParameterProblem(
                {
                    self.cursor_query_param: _(
                        "This is not a cursor of this list; follow the next and previous links "
                        "as they are."
                    )
                }
            )
        direction, token, offset = match.groups()
        position = None if token is None else self._position(int(token))
        return pagination.Cursor(
            offset=min(int(offset or 0), self.offset_cutoff),
            reverse=direction == "p",
            position=position,  # type: ignore[arg-type]
        )

    def _position(self, token: int) -> str:
        """The database value a cursor's number stands for (clamped to what can exist)."""
        if not self.position_is_moment:
            return str(min(token, MAX_SEQ))
        moment = EPOCH + dt.timedelta(microseconds=min(token, LATEST_MICROS))
        return moment.isoformat()

    def _get_position_from_instance(self, instance: Any, ordering: Any) -> str:
        value = super()._get_position_from_instance(instance, ordering)
        if self.position_is_moment:
            field = ordering[0].lstrip("-")
            return str(getattr(instance, field).astimezone(dt.UTC).isoformat())
        return str(value)

    def encode_cursor(self, cursor: pagination.Cursor) -> str:
        token = ""
        if cursor.position is not None:
            if self.position_is_moment:
                moment = dt.datetime.fromisoformat(str(cursor.position)).astimezone(dt.UTC)
                token = str((moment - EPOCH) // dt.timedelta(microseconds=1))
            else:
                token = str(cursor.position)
        text = ("p" if cursor.reverse else "n") + token
        text += f"~{cursor.offset}" if cursor.offset else ""
        return replace_query_param(self.base_url or "", self.cursor_query_param, text)

    def get_page_size(self, request: Request) -> int:
        """A page size out of 1–500 is a 400, not silently replaced by the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _INTEGER.match(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ParameterProblem({"page_size": [_("Give a whole number from 1 to 500.")]})
        return int(raw)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        link = "https://sandbox.example/api/v1/applications/?cursor="
        answer["properties"]["next"]["example"] = f"{link}n48"
        answer["properties"]["previous"]["example"] = f"{link}p47"
        return answer

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
                parameter["description"] = "Items per page, 1–500 (default 50)."
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
                parameter["description"] = (
                    "Take it from a page's `next` or `previous` link: n (next) or p (previous), "
                    "the position of the page's edge, ~offset past items sharing it."
                )
        return parameters


def filter_parameters(filterset: type[django_filters.FilterSet]) -> list[OpenApiParameter]:
    """Query parameters for a filter set as the API checks them: strings non-empty, dates and
    moments in ISO 8601, choices as enums (several at once where a filter takes several)."""
    parameters = []
    for name, item in filterset.base_filters.items():
        schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": "^[^\\x00]+$"}
        many = isinstance(item, django_filters.MultipleChoiceFilter)
        if isinstance(item, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
            choices = item.extra["choices"]
            choices = choices() if callable(choices) else choices
            schema = {"type": "string", "enum": [value for value, _label in choices]}
        elif isinstance(item, MomentFilter):
            schema = {"type": "string", "format": "date-time"}
        elif isinstance(item, LocalDayFilter):
            schema = {"type": "string", "format": "date"}
        elif isinstance(item, IntegerFilter):
            schema = {
                "type": "integer",
                "minimum": item.extra.get("minimum", 0),
                "maximum": item.extra.get("maximum", MAX_SEQ),
            }
        if many:
            schema = {"type": "array", "items": schema, "minItems": 1, "uniqueItems": True}
        help_text = item.extra.get("help_text")
        parameters.append(
            OpenApiParameter(name, schema, description=str(help_text or ""), explode=many)
        )
    return parameters


NON_NEGATIVE = {"type": "integer", "minimum": 0, "maximum": MAX_SEQ}
PAGE_LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000}
