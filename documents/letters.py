"""Rendering decision letters: the only module that imports WeasyPrint.

One render function per letter kind, each pure: ``LetterInput`` in, PDF/A-3b bytes out (the
decision record attached as ``decision.json``). Sealing is ``documents/signing.py``'s job.

WeasyPrint only ever sees the project's own static files: templates refer to them under
``ASSET_ORIGIN`` (a reserved ``.invalid`` host that never resolves), and ``StaticOnlyFetcher``
serves those from the static finders and refuses every other URL — http(s), file, data — so
nothing a person typed can make the renderer fetch anything. Fonts come from fontconfig (Noto
CJK), not from URLs; user text reaches the page through Django's auto-escaping.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import mimetypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from documents.letter_data import LetterInput

ASSET_ORIGIN = "https://letter-assets.invalid/static/"
# WeasyPrint narrates every rendering step at INFO; a worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
PDF_VARIANT = "pdf/a-3b"


class FetchRefused(ValueError):
    """The renderer asked for something other than the project's own static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``ASSET_ORIGIN`` + a static path from the static finders; refuses the rest.

    ``served`` and ``refused`` record every URL asked for, so tests can see what was fetched.
    """

    _cache: dict[str, tuple[bytes, str]] = {}

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = url[len(ASSET_ORIGIN) :] if url.startswith(ASSET_ORIGIN) else None
        if path is not None:
            path = path.split("?", 1)[0].split("#", 1)[0]
        if (
            not path
            or path.startswith("/")
            or "\\" in path
            or any(part in ("", ".", "..") for part in path.split("/"))
        ):
            self.refused.append(url)
            raise FetchRefused(f"Letters may only use the project's static files: {url[:200]}")
        body, content_type = self._read(path)
        self.served.append(url)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def _read(self, path: str) -> tuple[bytes, str]:
        cached = self._cache.get(path)
        if cached is None:
            found = finders.find(path)
            if not found or isinstance(found, list):
                self.refused.append(ASSET_ORIGIN + path)
                raise FetchRefused(f"No such static file: {path}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            cached = (Path(found).read_bytes(), content_type)
            self._cache[path] = cached
        return cached


_fonts = threading.local()


def font_config() -> FontConfiguration:
    """One font configuration per worker thread, reused for every letter: letters declare no
    web fonts, and a fresh configuration per render costs time and leaks native memory
    (fontconfig/Pango, about 250 KiB a render; see docs/letters.md)."""
    config: FontConfiguration | None = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def letter_html(data: LetterInput) -> str:
    """The letter as HTML (Django template, auto-escaped) in its own language."""
    return render_to_string(f"documents/letters/{data.kind}.html", data.context)


def html_to_pdf(html: str, *, data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """PDF/A-3b with the decision record attached and title/author/keywords metadata."""
    fetcher = fetcher or StaticOnlyFetcher()
    record = Attachment(
        string=data.record_json,
        name="decision.json",
        description="Decision record (JSON)",
        relationship="Source",
        url_fetcher=fetcher,
    )
    with collector_paused():
        document = HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher)
        pdf = document.write_pdf(
            pdf_variant=PDF_VARIANT, attachments=[record], font_config=font_config()
        )
    assert isinstance(pdf, bytes)
    return pdf


def render_paper(
    template: str,
    context: dict[str, Any],
    *,
    record_json: bytes,
    record_name: str = "record.json",
    fetcher: StaticOnlyFetcher | None = None,
) -> bytes:
    """A paper that is not a decision letter (agenda papers, minutes): ``template`` rendered with
    ``context`` (auto-escaped), through the same renderer, static-only fetcher and fonts as the
    letters; PDF/A-3b with the machine-readable record attached as ``record_name``. Pure."""
    fetcher = fetcher or StaticOnlyFetcher()
    html = render_to_string(template, context)
    record = Attachment(
        string=record_json,
        name=record_name,
        description="Record (JSON)",
        relationship="Source",
        url_fetcher=fetcher,
    )
    with collector_paused():
        document = HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher)
        pdf = document.write_pdf(
            pdf_variant=PDF_VARIANT, attachments=[record], font_config=font_config()
        )
    assert isinstance(pdf, bytes)
    return pdf


def bare_render(html: str, *, shared_fonts: bool = False) -> bytes:
    """Plain WeasyPrint, default options (optionally with the shared font configuration): the
    benchmark's baselines for the same HTML."""
    document = HTML(string=html, base_url=ASSET_ORIGIN, url_fetcher=StaticOnlyFetcher())
    pdf = document.write_pdf(font_config=font_config() if shared_fonts else None)
    assert isinstance(pdf, bytes)
    return pdf


def _render(data: LetterInput, kind: str, fetcher: StaticOnlyFetcher | None) -> bytes:
    if data.kind != kind:
        raise ValueError(f"A {data.kind} letter cannot be rendered as {kind}.")
    return html_to_pdf(letter_html(data), data=data, fetcher=fetcher)


def render_approval(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Designation (approval) or temporary permit: exemption, scope, conditions, obligations."""
    return _render(data, "approval", fetcher)


def render_rejection(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Rejection with reasons and the reconsideration window."""
    return _render(data, "rejection", fetcher)


def render_confirmation(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Answer to a fast-confirmation request (regulation applies or not)."""
    return _render(data, "confirmation", fetcher)


def render_deemed_confirmation(
    data: LetterInput, fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """Deemed confirmation: the answer deadline passed in silence."""
    return _render(data, "deemed_confirmation", fetcher)


def render_extension(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Extension of the term."""
    return _render(data, "extension", fetcher)


def render_suspension(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Suspension with reasons and what the holder must do meanwhile."""
    return _render(data, "suspension", fetcher)


def render_revocation(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Revocation on stated grounds, with the duty to stop."""
    return _render(data, "revocation", fetcher)


def render_expiry(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """Expiry notice."""
    return _render(data, "expiry", fetcher)


def render_by_kind(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The letters of due process and of the term's end: the template named after the kind
    (prior notice, hearing notice, urgent suspension, suspension extended, resumption,
    law-amendment acceptance, conversion, end of continuation)."""
    return _render(data, data.kind, fetcher)


Renderer = Callable[..., bytes]

RENDERERS: dict[str, Renderer] = {
    "approval": render_approval,
    "rejection": render_rejection,
    "confirmation": render_confirmation,
    "deemed_confirmation": render_deemed_confirmation,
    "extension": render_extension,
    "suspension": render_suspension,
    "revocation": render_revocation,
    "expiry": render_expiry,
    "prior_notice": render_by_kind,
    "hearing_notice": render_by_kind,
    "urgent_suspension": render_by_kind,
    "suspension_extension": render_by_kind,
    "resumption": render_by_kind,
    "law_amendment": render_by_kind,
    "conversion": render_by_kind,
    "continuation_end": render_by_kind,
}


def render(data: LetterInput, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The renderer of the letter's kind."""
    return RENDERERS[data.kind](data, fetcher)


_paused = 0
_paused_lock = threading.Lock()
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a render with Python's cyclic garbage collector paused (and resumed after, also when
    two threads render at once), so that everything the render leaves behind is still in the
    youngest generation when ``release_memory`` collects just that generation.

    With the collector running, WeasyPrint's millions of allocations trigger collections that
    move its boxes into the oldest generation; freeing them then takes a full collection, which
    walks the whole process heap (Django, the fonts, the cached tables): 150–250 ms a letter,
    more than the signature."""
    global _paused, _resume
    with _paused_lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


_libc_name = ctypes.util.find_library("c")
_malloc_trim = getattr(ctypes.CDLL(_libc_name), "malloc_trim", None) if _libc_name else None


def release_memory() -> None:
    """After a render: collect WeasyPrint's reference cycles (the youngest generation, where a
    render under ``collector_paused`` leaves them all) and give freed heap back to the system
    (glibc ``malloc_trim``), so a worker issuing many letters stays flat."""
    gc.collect(0)
    if _malloc_trim is not None:
        _malloc_trim(0)
