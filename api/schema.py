"""Finishing touches to the OpenAPI document (a drf-spectacular postprocessing hook): what every
answer carries and what every request body refuses, said once instead of per operation."""

from __future__ import annotations

from typing import Any

REQUEST_ID = {
    "description": "This request's id; the access log and error bodies carry it too.",
    "required": True,
    "schema": {"type": "string"},
}
RATE_LIMIT = {
    "description": 'The token\'s budget now, e.g. `"api";r=598;t=42` (requests left, seconds '
    "until one frees).",
    "schema": {"type": "string"},
}
RATE_LIMIT_POLICY = {
    "description": 'The budget, e.g. `"api";q=600;w=60` (requests per window of seconds).',
    "schema": {"type": "string"},
}
CACHE_CONTROL = {
    "description": "`no-store`: answers are for the caller only.",
    "required": True,
    "schema": {"type": "string", "enum": ["no-store"]},
}
ETAG = {
    "description": "On JSON answers and PDFs (not on streamed exports and ZIPs): send it back "
    "in If-None-Match to get a 304 while nothing changed.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag from an earlier answer: 304 Not Modified while it still holds.",
    "schema": {"type": "string"},
}


def finish_schema(result: dict[str, Any], generator: Any, request: Any, public: Any) -> Any:
    """Request bodies take no fields but their own; every answer names its request id and is
    not to be stored; successful GETs carry an ETag and answer 304 to a matching If-None-Match;
    throttled answers carry the RateLimit headers."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            for code, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers["X-Request-Id"] = REQUEST_ID
                if code not in ("401",):
                    headers["Cache-Control"] = CACHE_CONTROL
                    headers["RateLimit"] = RATE_LIMIT
                    headers["RateLimit-Policy"] = RATE_LIMIT_POLICY
                if method == "get" and code == "200":
                    headers["ETag"] = ETAG
            if method == "get":
                operation.setdefault("parameters", []).append(IF_NONE_MATCH)
                operation["responses"]["304"] = {
                    "description": "Not modified: the ETag you sent still holds.",
                    "headers": {"X-Request-Id": REQUEST_ID, "ETag": ETAG},
                }
    return result
