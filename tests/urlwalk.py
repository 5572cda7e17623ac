"""Every URL pattern of the site made concrete, for tests that walk the whole site (the second
factor, CSV cells, hostile input): each parameter gets the sample value given for it on that
route (``"<route name>:<parameter>"``: a document's download takes a document's id where the
case pages' ``pk`` is the case's), else the value of its name, else a plain value of its
converter's kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")
SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "0" * 32}


def _filler(values: dict[str, str], route: str | None) -> Callable[[re.Match[str]], str]:
    def filled(m: re.Match[str]) -> str:
        return (
            values.get(f"{route}:{m['name']}")
            or values.get(m["name"])
            or SAMPLE[m.groupdict().get("kind") or "str"]  # a regex group: "x"
        )

    return filled


def concrete_urls(values: dict[str, str], patterns: Any = None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site, path() and regex alike, with its parameters filled in."""
    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        text = str(entry.pattern)
        filled = _filler(values, getattr(entry, "name", None))
        if isinstance(entry.pattern, RoutePattern):
            text = CONVERTER.sub(filled, text)
        else:
            text = GROUP.sub(filled, text)
            text = text.removeprefix("^").removesuffix("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            found += concrete_urls(values, entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + text)
    return sorted(set(found))
