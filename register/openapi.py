"""The open-data API's OpenAPI schema, kept apart from the auditor API's: each schema view
keeps only its own endpoints (drf-spectacular preprocessing hooks)."""

from __future__ import annotations

from typing import Any

from register.rules import LICENCE

PUBLIC_PREFIX = "/api/public/"

Endpoint = tuple[str, str, str, Any]


def without_public_endpoints(endpoints: list[Endpoint], **kwargs: Any) -> list[Endpoint]:
    """The auditor API's schema (``SPECTACULAR_SETTINGS``) leaves the open data out."""
    return [e for e in endpoints if not e[0].startswith(PUBLIC_PREFIX)]


def only_public_endpoints(endpoints: list[Endpoint], **kwargs: Any) -> list[Endpoint]:
    return [e for e in endpoints if e[0].startswith(PUBLIC_PREFIX) and "schema" not in e[0]]


PUBLIC_SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "Sandbox open data",
    "DESCRIPTION": (
        "The public register of granted regulatory-sandbox waivers and the programme's "
        "statistics, as JSON and CSV. No token, no sign-in: requests are limited per source "
        "address (`PUBLIC_API_THROTTLE_RATE`, 429 with `Retry-After` beyond it). Every answer "
        "carries `ETag` and `Last-Modified`; send `If-None-Match` or `If-Modified-Since` and an "
        "unchanged answer is a bodyless 304. Trade secrets the applicant claimed and the "
        "ministry accepted, and personal data, are never published (`withheld` names the parts "
        f"left out). Licence: {LICENCE['name']} ({LICENCE['url']}): reuse freely, naming the "
        "source. Field meanings: docs/public.md."
    ),
    "VERSION": "1.0.0",
    "LICENSE": LICENCE,
    "SCHEMA_PATH_PREFIX": "/api/public",
    "PREPROCESSING_HOOKS": ["register.openapi.only_public_endpoints"],
    "SECURITY": [],
    "APPEND_COMPONENTS": {"securitySchemes": {}},
}
