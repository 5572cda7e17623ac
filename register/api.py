"""The open-data API under ``/api/public/``: the register and the statistics as JSON and CSV.

No token and no session (anyone may read); throttled per source address
(``PUBLIC_API_THROTTLE_RATE``); every answer has an ``ETag`` and ``Last-Modified`` computed
from cheap reads before anything is built, so a client revalidating an unchanged answer gets a
304 without a body, and built bodies are cached under their ETag. Described by its own OpenAPI
schema (``register/openapi.py``), apart from the auditor API's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from applications.models import Ministry, Program, Track
from core.drf import PROBLEM, PROBLEM_JSON, error_responses
from core.errors import NotVisible
from core.throttle import client_address
from documents.letter_data import check_path
from documents.models import Letter, LetterStatus
from documents.selectors import public_letters_of
from register import selectors, services, statistics
from register.csvfile import csv_response
from register.models import RegisterEntry, StatisticsSnapshot
from register.rules import LICENCE, PublishedField, RegisterStatus
from register.selectors import SORTS, RegisterQuery

BODY_CACHE_SECONDS = 300
CSV_BATCH = 2000


class PublicApiThrottle(SimpleRateThrottle):
    """Requests per source address (``PUBLIC_API_THROTTLE_RATE``, default 120 a minute)."""

    scope = "public"

    def get_rate(self) -> str:
        return str(settings.PUBLIC_API_THROTTLE_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


# --- representations ------------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="Stable code (filters take it).")
    name = serializers.CharField(help_text="Name in Korean.")
    name_en = serializers.CharField(help_text="Name in English.")


class ScopeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    region = serializers.CharField(help_text="Region or sites (empty when withheld).")
    scale = serializers.CharField(help_text="Scale of the test (empty when withheld).")
    max_users = serializers.IntegerField(
        allow_null=True, help_text="Maximum number of users (null when withheld or not set)."
    )


class TermSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(source="term_start", allow_null=True)
    end = serializers.DateField(source="term_end", allow_null=True, help_text="After extensions.")
    extensions = serializers.IntegerField(help_text="Extensions granted so far.")


class RegisterEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    reference = serializers.CharField(help_text="The application's reference, e.g. ICT-2026-00042.")
    url = serializers.SerializerMethodField(help_text="The waiver's public page.")
    company = serializers.CharField()
    title = serializers.CharField(help_text="The service's name.")
    summary = serializers.CharField(help_text="Empty when withheld as a trade secret.")
    programme = NamedSerializer(source="program")
    track = NamedSerializer()
    ministry = NamedSerializer(help_text="The programme's lead ministry.")
    exempted_provisions = serializers.ListField(child=serializers.CharField())
    scope = ScopeSerializer(source="*")
    conditions = serializers.ListField(
        child=serializers.CharField(), help_text="Empty when withheld (see conditions_count)."
    )
    conditions_count = serializers.IntegerField()
    withheld = serializers.ListField(
        child=serializers.ChoiceField(choices=PublishedField.choices),
        help_text="Parts not published: trade secrets accepted, or claims not yet decided.",
    )
    granted_on = serializers.DateField(help_text="Date of the approval (Korea time).")
    term = TermSerializer(source="*")
    status = serializers.ChoiceField(choices=RegisterStatus.choices, help_text="Status now.")
    status_since = serializers.DateField(
        allow_null=True, help_text="Date of the decision that set the status now."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, entry: RegisterEntry) -> str:
        return _absolute(self.context["request"], reverse("register-entry", args=[entry.reference]))


class LetterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = serializers.CharField()
    kind = serializers.CharField()
    issued_on = serializers.DateField()
    check_url = serializers.URLField(help_text="The public check page (with the letter's code).")
    superseded_by = serializers.CharField(allow_null=True, help_text="Number of its correction.")


class RegisterEntryDetailSerializer(RegisterEntrySerializer):
    letters = serializers.SerializerMethodField()

    @extend_schema_field(LetterSerializer(many=True))
    def get_letters(self, entry: RegisterEntry) -> list[dict[str, Any]]:
        request = self.context["request"]
        program = entry.program
        return [
            {
                "number": letter.number,
                "kind": letter.kind,
                "issued_on": program.local_date(letter.issued_at).isoformat()
                if letter.issued_at
                else None,
                "check_url": _absolute(
                    request, check_path(letter.number, letter.verification_code)
                ),
                "superseded_by": getattr(getattr(letter, "superseded_by", None), "number", None),
            }
            for letter in public_letters_of(application=entry.application)
        ]


class LicenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    url = serializers.URLField()


class RegisterPageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField(help_text="Matching entries, counted up to 1,000.")
    count_is_exact = serializers.BooleanField(help_text="False when there are more than 1,000.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    licence = LicenceSerializer()
    results = RegisterEntrySerializer(many=True)


class RegisterParams(serializers.Serializer):  # type: ignore[type-arg]
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words or parts of words."
    )
    program = serializers.CharField(required=False, max_length=12, help_text="Programme code.")
    track = serializers.CharField(required=False, max_length=40, help_text="Track code.")
    ministry = serializers.CharField(required=False, max_length=16, help_text="Ministry code.")
    status = serializers.ChoiceField(choices=RegisterStatus.choices, required=False)
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Year granted."
    )
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="newest")
    cursor = serializers.CharField(required=False, max_length=400, help_text="From next/previous.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields) - {"format"}
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown parameter."] for name in sorted(unknown)}
            )
        checks = (
            ("program", Program.objects, "code"),
            ("track", Track.objects, "code"),
            ("ministry", Ministry.objects, "code"),
        )
        for name, objects, column in checks:
            if attrs.get(name) and not objects.filter(**{column: attrs[name]}).exists():
                raise serializers.ValidationError({name: ["No such code."]})
        return attrs


# --- the views ------------------------------------------------------------------------------------


class PublicApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    renderer_classes = [JSONRenderer]

    def conditional(
        self,
        request: Request,
        *,
        version: str,
        modified: dt.datetime | None,
        build: Callable[[], Any],
        csv: bool = False,
    ) -> HttpResponseBase:
        """``version`` identifies the data; a matching ``If-None-Match`` (or an unchanged
        ``If-Modified-Since``) answers 304 before ``build`` runs; JSON bodies are cached under
        their ETag."""
        key = f"{request.path}?{request.META.get('QUERY_STRING', '')}|{version}"
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        headers = HttpResponse()
        headers["ETag"] = etag
        if modified is not None:
            headers["Last-Modified"] = http_date(modified.timestamp())
        headers["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_SECONDS}"
        headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'
        not_modified = get_conditional_response(
            request,
            etag=etag,
            last_modified=int(modified.timestamp()) if modified else None,
            response=headers,
        )
        if not_modified is not None and not_modified is not headers:
            return not_modified
        if csv:
            response: HttpResponseBase = build()
        else:
            cache_key = f"public-api:{etag}"
            data = cache.get(cache_key)
            if data is None:
                data = build()
                cache.set(cache_key, data, BODY_CACHE_SECONDS)
            response = Response(data)
        for name in ("ETag", "Last-Modified", "Cache-Control", "Link"):
            if name in headers:
                response[name] = headers[name]
        return response


REGISTER_PARAMETERS = [
    OpenApiParameter(name, type=kind, required=False, description=text)
    for name, kind, text in (
        ("q", str, "Search words; part of a (Korean) word is enough; all must match."),
        ("program", str, "Programme code, e.g. ICT."),
        ("track", str, "Track code, e.g. demonstration."),
        ("ministry", str, "Lead ministry code, e.g. MSIT."),
        ("status", str, "Status now: " + ", ".join(RegisterStatus.values) + "."),
        ("year", int, "Year the waiver was granted."),
        ("sort", str, "newest (default), oldest, company, ending."),
        ("cursor", str, "Page cursor from `next` or `previous`."),
    )
]
PUBLIC_ERRORS = error_responses(400, 405, 406)
PUBLIC_ERRORS[(429, PROBLEM_JSON)] = OpenApiResponse(
    response=PROBLEM,
    description="Too many requests from this address; retry after Retry-After seconds.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag you sent.")}


def _register_version() -> tuple[str, dt.datetime | None]:
    latest, count = selectors.register_version()
    return f"{latest.isoformat() if latest else '-'}:{count}", latest


def _query(request: Request) -> RegisterQuery:
    params = RegisterParams(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    data = params.validated_data
    return RegisterQuery(
        q=data.get("q", ""),
        program=data.get("program", ""),
        track=data.get("track", ""),
        ministry=data.get("ministry", ""),
        status=data.get("status", ""),
        year=data.get("year"),
        sort=data.get("sort") or "newest",
        cursor=data.get("cursor", ""),
    )


def _link(request: Request, cursor: str) -> str | None:
    if not cursor:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class PublicRegisterApi(PublicApi):
    @extend_schema(
        operation_id="register_list",
        summary="The register of granted waivers",
        parameters=REGISTER_PARAMETERS,
        responses={200: RegisterPageSerializer, **NOT_MODIFIED, **PUBLIC_ERRORS},
        tags=["register"],
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = _query(request)
        version, modified = _register_version()

        def build() -> dict[str, Any]:
            page = selectors.register_page(query)
            return {
                "count": page.count,
                "count_is_exact": page.count_is_exact,
                "next": _link(request, page.next_cursor),
                "previous": _link(request, page.previous_cursor),
                "licence": LICENCE,
                "results": RegisterEntrySerializer(
                    page.entries, many=True, context={"request": request}
                ).data,
            }

        return self.conditional(request, version=version, modified=modified, build=build)


CSV_COLUMNS = [
    "reference",
    "company",
    "title",
    "summary",
    "programme_code",
    "programme",
    "programme_en",
    "track_code",
    "track",
    "track_en",
    "ministry_code",
    "ministry",
    "ministry_en",
    "exempted_provisions",
    "region",
    "scale",
    "max_users",
    "conditions",
    "conditions_count",
    "withheld",
    "granted_on",
    "term_start",
    "term_end",
    "extensions",
    "status",
    "status_since",
]
CSV_FIELDS = [
    "reference",
    "company",
    "title",
    "summary",
    "program__code",
    "program__name",
    "program__name_en",
    "track__code",
    "track__name",
    "track__name_en",
    "ministry__code",
    "ministry__name",
    "ministry__name_en",
    "exempted_provisions",
    "region",
    "scale",
    "max_users",
    "conditions",
    "conditions_count",
    "withheld",
    "granted_on",
    "term_start",
    "term_end",
    "extensions",
    "status",
    "status_since",
]


def register_csv_rows(query: RegisterQuery) -> Iterator[list[Any]]:
    """Every matching entry, in keyset batches on the id (flat memory at any size)."""
    filtered = selectors.register_filtered(query)
    last = 0
    while True:
        batch = list(
            filtered.filter(pk__gt=last).order_by("pk").values_list("pk", *CSV_FIELDS)[:CSV_BATCH]
        )
        if not batch:
            return
        for row in batch:
            yield [" | ".join(v) if isinstance(v, list) else v for v in row[1:]]
        last = batch[-1][0]


class PublicRegisterCsvApi(PublicApi):
    @extend_schema(
        operation_id="register_csv",
        summary="The whole register (or a filtered part) as CSV",
        description="UTF-8 with a byte-order mark; lists joined with ` | `; columns: "
        + ", ".join(CSV_COLUMNS)
        + ". Cells that a spreadsheet would run as a formula start with a quote.",
        parameters=[p for p in REGISTER_PARAMETERS if p.name not in ("cursor", "sort")],
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR),
            **NOT_MODIFIED,
            **PUBLIC_ERRORS,
        },
        tags=["register"],
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = _query(request)
        version, modified = _register_version()
        return self.conditional(
            request,
            version=version,
            modified=modified,
            build=lambda: csv_response("register", CSV_COLUMNS, register_csv_rows(query)),
            csv=True,
        )


class PublicWaiverApi(PublicApi):
    @extend_schema(
        operation_id="register_entry",
        summary="One granted waiver, with its letters",
        responses={
            200: RegisterEntryDetailSerializer,
            404: OpenApiResponse(description="No waiver with this reference is in the register."),
            **NOT_MODIFIED,
            **PUBLIC_ERRORS,
        },
        tags=["register"],
    )
    def get(self, request: Request, reference: str) -> HttpResponseBase:
        entry = selectors.register_entry_get(reference=reference)
        letters_at = Letter.objects.filter(
            application_id=entry.application_id, status=LetterStatus.ISSUED
        ).aggregate(at=Max("issued_at"))["at"]
        modified = max(t for t in (entry.updated_at, letters_at) if t is not None)
        return self.conditional(
            request,
            version=f"{entry.updated_at.isoformat()}:{letters_at}",
            modified=modified,
            build=lambda: RegisterEntryDetailSerializer(entry, context={"request": request}).data,
        )


# --- statistics -----------------------------------------------------------------------------------


def _named(objects: Any, *extra: str) -> list[dict[str, Any]]:
    return [dict(zip(["code", "name", "name_en", *extra], row, strict=True)) for row in objects]


def statistics_tables(snapshot: StatisticsSnapshot) -> dict[str, Any]:
    """The snapshot with codes for ids, and the names behind the codes in both languages."""
    data = snapshot.data
    labels = statistics.Labels.load()

    def program(pk: int) -> str:
        item = labels.programs.get(pk)
        return item.code if item else ""

    def track(pk: int) -> str:
        item = labels.tracks.get(pk)
        return item.code if item else ""

    return {
        "computed_at": snapshot.computed_at.isoformat(),
        "licence": LICENCE,
        "programmes": [
            {
                "code": p.code,
                "name": p.name,
                "name_en": p.name_en,
                "ministry": labels.ministries[p.lead_ministry_id].code
                if p.lead_ministry_id in labels.ministries
                else "",
            }
            for p in sorted(labels.programs.values(), key=lambda p: p.code)
        ],
        "tracks": [
            {
                "programme": t.program.code,
                "code": t.code,
                "kind": t.kind,
                "name": t.name,
                "name_en": t.name_en,
                "statutory_days": t.statutory_days,
            }
            for t in sorted(labels.tracks.values(), key=lambda t: (t.program.code, t.code))
        ],
        "ministries": _named(
            Ministry.objects.order_by("code").values_list("code", "name", "name_en")
        ),
        "received": [
            {"year": y, "programme": program(p), "track": track(t), "count": n}
            for y, p, t, n in data.get("received", [])
        ],
        "withdrawn": [
            {"year": y, "programme": program(p), "track": track(t), "count": n}
            for y, p, t, n in data.get("withdrawn", [])
        ],
        "decisions": [
            {"year": y, "programme": program(p), "track": track(t), "kind": k, "count": n}
            for y, p, t, k, n in data.get("decisions", [])
        ],
        "processing_time": [
            {
                "programme": labels.tracks[t].program.code if t in labels.tracks else "",
                "track": track(t),
                "days": days,
                "count": n,
                "within_deadline": within,
            }
            for t, days, n, within in data.get("durations", [])
        ],
        "processing_time_summary": [
            {
                "programme": labels.tracks[t.track_id].program.code,
                "track": labels.tracks[t.track_id].code,
                "decided": t.decided,
                "median_days": t.median,
                "p90_days": t.p90,
                "statutory_days": t.statutory_days,
                "within_deadline": t.within,
            }
            for t in statistics.track_times(data, labels)
        ],
        "waivers_now": [
            {"programme": program(p), "track": track(t), "status": s, "count": n}
            for p, t, s, n in data.get("register", [])
        ],
    }


STATISTICS_TABLES = {
    "received": ["year", "programme", "track", "count"],
    "withdrawn": ["year", "programme", "track", "count"],
    "decisions": ["year", "programme", "track", "kind", "count"],
    "processing_time": ["programme", "track", "days", "count", "within_deadline"],
    "processing_time_summary": [
        "programme",
        "track",
        "decided",
        "median_days",
        "p90_days",
        "statutory_days",
        "within_deadline",
    ],
    "waivers_now": ["programme", "track", "status", "count"],
}


def _statistics_version() -> tuple[StatisticsSnapshot, str]:
    snapshot = services.statistics_current()
    return snapshot, snapshot.computed_at.isoformat()


class PublicStatisticsApi(PublicApi):
    @extend_schema(
        operation_id="statistics",
        summary="The statistics as JSON",
        description="Counts by year, programme, track and outcome; processing time (a histogram "
        "of whole days from submission to decision per track, and its median, 90th percentile "
        "and share decided within the statutory deadline); waivers by status now. Codes refer "
        "to `programmes`, `tracks` and `ministries`. Refreshed every few minutes "
        "(`computed_at`).",
        responses={200: OpenApiTypes.OBJECT, **NOT_MODIFIED, **PUBLIC_ERRORS},
        tags=["statistics"],
    )
    def get(self, request: Request) -> HttpResponseBase:
        snapshot, version = _statistics_version()
        return self.conditional(
            request,
            version=version,
            modified=snapshot.computed_at,
            build=lambda: statistics_tables(snapshot),
        )


class PublicStatisticsCsvApi(PublicApi):
    @extend_schema(
        operation_id="statistics_csv",
        summary="One table of the statistics as CSV",
        description="Tables: " + ", ".join(STATISTICS_TABLES) + " (columns as in the JSON).",
        responses={
            (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR),
            404: OpenApiResponse(description="No such table."),
            **NOT_MODIFIED,
            **PUBLIC_ERRORS,
        },
        tags=["statistics"],
    )
    def get(self, request: Request, table: str) -> HttpResponseBase:
        columns = STATISTICS_TABLES.get(table)
        if columns is None:
            raise NotVisible("No such table.")
        snapshot, version = _statistics_version()

        def build() -> HttpResponseBase:
            rows = statistics_tables(snapshot)[table]
            return csv_response(table, columns, ([row[c] for c in columns] for row in rows))

        return self.conditional(
            request, version=version, modified=snapshot.computed_at, build=build, csv=True
        )
