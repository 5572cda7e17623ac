"""A streamed ZIP of letters with a manifest, in flat memory.

``zipfile`` writes to a sink that is never seeked (it then puts each entry's sizes and CRC in a
data descriptor after the entry), and each piece written is handed on as a chunk of the
response as soon as it exists: the archive is never held whole, however many letters it has.
The manifest comes last, when every file's SHA-256 has been computed from the bytes zipped:

* ``SHA256SUMS`` — ``sha256sum -c SHA256SUMS`` checks each file against the SHA-256 recorded
  when the letter was issued (the one the audit chain's ``letter_issued`` event carries);
* ``manifest.csv`` — per letter: file, number, case, kind, language, version, issued_at (UTC),
  the recorded SHA-256, the SHA-256 of the zipped bytes, and whether they match.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from api.serializers import iso_utc
from documents.models import Letter
from documents.storage import letter_pdf_path

CHUNK = 64 * 1024
MANIFEST_COLUMNS = (
    "file",
    "number",
    "application",
    "kind",
    "language",
    "version",
    "issued_at",
    "recorded_sha256",
    "file_sha256",
    "matches",
)


class _Sink(io.RawIOBase):
    """Collects what ``zipfile`` writes until it is taken; cannot seek or tell."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _file_name(letter: Letter) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", letter.number) + ".pdf"


def _stamp(letter: Letter) -> tuple[int, int, int, int, int, int]:
    moment = letter.issued_at or letter.created_at
    return (
        max(moment.year, 1980),
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def letters_zip(letters: Iterable[Letter]) -> Iterator[bytes]:
    """The letters' PDFs as a ZIP, then ``SHA256SUMS`` and ``manifest.csv``."""
    sink = _Sink()
    rows: list[tuple[Any, ...]] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for letter in letters:
            name, path = _file_name(letter), letter_pdf_path(letter)
            digest, found = hashlib.sha256(), path.is_file()
            if found:
                info = zipfile.ZipInfo(name, date_time=_stamp(letter))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as entry, path.open("rb") as source:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        entry.write(chunk)
                        yield sink.take()
            computed = digest.hexdigest() if found else ""
            rows.append(
                (
                    name if found else "",
                    letter.number,
                    letter.application.reference,
                    letter.kind,
                    letter.language,
                    letter.version,
                    iso_utc(letter.issued_at),
                    letter.sha256,
                    computed,
                    "true" if computed == letter.sha256 else ("missing" if not found else "false"),
                )
            )
            yield sink.take()
        sums = "".join(f"{row[7]}  {row[0]}\n" for row in rows if row[0])
        archive.writestr("SHA256SUMS", sums)
        table = io.StringIO()
        writer = csv.writer(table, lineterminator="\r\n")
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(rows)
        archive.writestr("manifest.csv", table.getvalue().encode("utf-8"))
    yield sink.take()
