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
import struct
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


# Archives (OOXML, HWPX) are looked into without ever inflating more than a few bytes: every
# limit below is checked on the archive's own directory before anything is decompressed, and
# the one member read (``mimetype``) is read through a bounded stream, whatever its header says.
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # inflated / compressed, for members above RATIO_GRACE_BYTES
RATIO_GRACE_BYTES = 1024 * 1024
MIMETYPE_BYTES = 100
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


class ArchiveRefused(ValueError):
    """A zip whose directory promises more than we will ever inflate (a "zip bomb")."""


def _directory_size(data: bytes) -> tuple[int, int] | None:
    """(entries, central directory bytes) as the end record declares them, read before
    ``zipfile`` builds an object per entry; None when there is no end record."""
    tail_start = max(0, len(data) - (_EOCD.size + 65535))
    position = data.rfind(b"PK\x05\x06", tail_start)
    if position < 0 or position + _EOCD.size > len(data):
        return None
    _sig, _disk, _cd_disk, _here, entries, size, _offset, _comment = _EOCD.unpack_from(
        data, position
    )
    if entries == 0xFFFF or size == 0xFFFFFFFF:  # ZIP64: the counts are in its own record
        locator = position - _ZIP64_LOCATOR.size
        if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
            return None
        record = _ZIP64_LOCATOR.unpack_from(data, locator)[2]
        if record + _ZIP64_EOCD.size > len(data) or data[record : record + 4] != b"PK\x06\x06":
            return None
        fields = _ZIP64_EOCD.unpack_from(data, record)
        entries, size = fields[6], fields[7]
    return entries, size


def _zip_names(whole: bytes) -> tuple[list[str], bytes]:
    """Entry names and the start of the ``mimetype`` entry of a zip (OOXML and HWPX are zips),
    within fixed bounds: ``ArchiveRefused`` for an archive that would expand beyond them."""
    declared = _directory_size(whole)
    if declared is None:
        return [], b""
    entries, directory = declared
    if entries > MAX_ZIP_MEMBERS or directory > MAX_ZIP_DIRECTORY_BYTES:
        raise ArchiveRefused("too many members")
    try:
        with zipfile.ZipFile(io.BytesIO(whole)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise ArchiveRefused("too many members")
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > MAX_ZIP_MEMBER_BYTES or total > MAX_ZIP_TOTAL_BYTES:
                    raise ArchiveRefused("members too large")
                if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_ZIP_RATIO * max(
                    info.compress_size, 1
                ):
                    raise ArchiveRefused("compression ratio too high")
            names = [info.filename for info in infos]
            mimetype = b""
            if "mimetype" in names:
                # A bounded read: the header's size may lie, the stream never inflates more
                # than a few kilobytes to give these bytes.
                with archive.open("mimetype") as member:
                    mimetype = member.read(MIMETYPE_BYTES)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError) as error:
        if isinstance(error, ArchiveRefused):
            raise
        return [], b""
    return names, mimetype


def sniff(head: bytes, whole: bytes | None = None) -> Kind | None:
    """The allowed kind this content is, or None. ``head`` is the first ``SNIFF_BYTES``;
    ``whole`` (the full content) is only needed to look inside zips (``ArchiveRefused`` for one
    that would expand beyond the limits above)."""
    mime = magic.from_buffer(head, mime=True).lower()
    if mime == "application/pdf":
        return KINDS["pdf"]
    if mime == "image/png":
        return KINDS["png"]
    if mime == "image/jpeg":
        return KINDS["jpeg"]
    if mime in (KINDS["docx"].content_type, KINDS["xlsx"].content_type):
        if whole is not None:
            _zip_names(whole)  # an office file is a zip too: the same bounds hold
        return KINDS["docx"] if mime == KINDS["docx"].content_type else KINDS["xlsx"]
    if mime in HWP_MIME_TYPES:
        return KINDS["hwp"]
    if mime in OLE_MIME_TYPES and b"HWP Document File" in head:
        # HWP 5 is an OLE compound file whose FileHeader stream starts with this signature.
        return KINDS["hwp"]
    if mime in ZIP_MIME_TYPES and whole is not None:
        names, mimetype = _zip_names(whole)
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
    del buffer
    try:
        kind = sniff(data[:SNIFF_BYTES], data)
    except ArchiveRefused as refused:
        raise UploadRefused(
            _(
                "“%(name)s” is packed in a way we cannot accept (it would expand to far more "
                "than its size, or holds too many parts). Save it again from its program and "
                "upload it."
            )
            % {"name": clean}
        ) from refused
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
