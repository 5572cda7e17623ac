"""What an upload may be: an allow-list by content (python-magic), names, sizes, hashes.

Pure checks: bytes and names in, a verdict out. ``documents/services.py`` stores what passes.
A file is accepted only when its content is one of the allowed kinds *and* its extension is one
of that kind's extensions, so ``page.html`` renamed ``page.pdf`` and an executable called
``plan.docx`` are refused alike.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import magic
from django.utils.translation import gettext as _

from documents.models import document_type_label

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 200
SNIFF_BYTES = 64 * 1024

OLE_MIME_TYPES = frozenset(
    {"application/x-ole-storage", "application/cdfv2", "application/vnd.ms-office"}
)
HWP_MIME_TYPES = frozenset(
    {"application/x-hwp", "application/haansofthwp", "application/vnd.hancom.hwp"}
)
ZIP_MIME_TYPES = frozenset(
    {"application/zip", "application/hwp+zip", "application/x-zip-compressed"}
)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    extensions: tuple[str, ...]
    content_type: str


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("pdf", "PDF", (".pdf",), "application/pdf"),
        Kind("hwp", "HWP", (".hwp",), "application/x-hwp"),
        Kind("hwpx", "HWPX", (".hwpx",), "application/hwp+zip"),
        Kind(
            "docx",
            "Word (DOCX)",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Kind(
            "xlsx",
            "Excel (XLSX)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Kind("png", "PNG", (".png",), "image/png"),
        Kind("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg"),
    )
}
ACCEPT_ATTRIBUTE = ",".join(ext for kind in KINDS.values() for ext in kind.extensions)


class UploadRefused(ValueError):
    """The file may not be stored; ``message`` tells the person what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_kinds_text() -> str:
    return ", ".join(kind.label for kind in KINDS.values())


def clean_name(name: str) -> str:
    """The file name as given, refused when it tries to be a path or carries control characters.

    Names are shown back to people and used in Content-Disposition; they never name a file on
    disk (storage names are random)."""
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        raise UploadRefused(_("The file has no name. Rename it and upload it again."))
    if "/" in text or "\\" in text or text.startswith(".") or ".." in text:
        raise UploadRefused(
            _("The file name “%(name)s” is not allowed: use a plain name such as plan.pdf.")
            % {"name": text[:80]}
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise UploadRefused(_("The file name contains invisible control characters: rename it."))
    if len(text) > MAX_NAME_LENGTH:
        raise UploadRefused(
            _("The file name is longer than %(max)s characters: shorten it.")
            % {"max": MAX_NAME_LENGTH}
        )
    return text


def extension_of(name: str) -> str:
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    return match.group(1).lower() if match else ""


def _zip_names(head: bytes, whole: bytes | None) -> tuple[list[str], bytes]:
    """Entry names and the ``mimetype`` entry of a zip (OOXML and HWPX are zips)."""
    if whole is None:
        return [], b""
    try:
        with zipfile.ZipFile(io.BytesIO(whole)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return [], b""
    return names, mimetype


def sniff(head: bytes, whole: bytes | None = None) -> Kind | None:
    """The allowed kind this content is, or None. ``head`` is the first ``SNIFF_BYTES``;
    ``whole`` (the full content) is only needed to look inside zips."""
    mime = magic.from_buffer(head, mime=True).lower()
    if mime == "application/pdf":
        return KINDS["pdf"]
    if mime == "image/png":
        return KINDS["png"]
    if mime == "image/jpeg":
        return KINDS["jpeg"]
    if mime == KINDS["docx"].content_type:
        return KINDS["docx"]
    if mime == KINDS["xlsx"].content_type:
        return KINDS["xlsx"]
    if mime in HWP_MIME_TYPES:
        return KINDS["hwp"]
    if mime in OLE_MIME_TYPES and b"HWP Document File" in head:
        # HWP 5 is an OLE compound file whose FileHeader stream starts with this signature.
        return KINDS["hwp"]
    if mime in ZIP_MIME_TYPES:
        names, mimetype = _zip_names(head, whole)
        if mimetype.strip() == b"application/hwp+zip" or "Contents/content.hpf" in names:
            return KINDS["hwpx"]
        if "word/document.xml" in names:
            return KINDS["docx"]
        if "xl/workbook.xml" in names:
            return KINDS["xlsx"]
    return None


@dataclass(frozen=True)
class Checked:
    name: str
    kind: Kind
    size: int
    sha256: str


def check_upload(name: str, chunks: Iterable[bytes]) -> tuple[Checked, bytes]:
    """Name, size, content and extension checks in one pass; returns the verdict and the bytes
    (at most ``MAX_UPLOAD_BYTES``, so holding them is bounded)."""
    clean = clean_name(name)
    buffer = bytearray()
    digest = hashlib.sha256()
    for chunk in chunks:
        buffer.extend(chunk)
        if len(buffer) > MAX_UPLOAD_BYTES:
            raise UploadRefused(
                _("“%(name)s” is larger than %(mb)s MB. Upload a smaller file or split it.")
                % {"name": clean, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        digest.update(chunk)
    if not buffer:
        raise UploadRefused(_("“%(name)s” is empty. Choose the file again.") % {"name": clean})
    data = bytes(buffer)
    kind = sniff(data[:SNIFF_BYTES], data)
    if kind is None:
        raise UploadRefused(
            _("“%(name)s” is not a file type we accept. Upload one of: %(kinds)s.")
            % {"name": clean, "kinds": allowed_kinds_text()}
        )
    extension = extension_of(clean)
    if extension not in kind.extensions:
        raise UploadRefused(
            _(
                "“%(name)s” is a %(kind)s file but its name ends in “%(ext)s”. "
                "Rename it to end in %(expected)s, or upload the right file."
            )
            % {
                "name": clean,
                "kind": kind.label,
                "ext": extension or _("(no extension)"),
                "expected": " / ".join(kind.extensions),
            }
        )
    return Checked(name=clean, kind=kind, size=len(data), sha256=digest.hexdigest()), data


def missing_documents(*, required: Iterable[str], present: Iterable[str]) -> dict[str, str]:
    """Required document types with no upload yet, keyed ``document_<type>``, a message each."""
    have = set(present)
    return {
        f"document_{code}": _("Upload the %(type)s before submitting.")
        % {"type": document_type_label(code).lower()}
        for code in required
        if code not in have
    }
