"""Where private files live and how they are written: uploads, sealed letters and papers.

Files have random names under ``PRIVATE_STORAGE_ROOT/<area>/<first two characters>/<name>``,
never under a public URL; they are served only by views that check who is asking. A file is
written once (never overwritten) and fsynced; a failed write leaves no part of it behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from documents.models import Document, Letter, Paper


def private_path(area: str, storage_name: str) -> Path:
    """Where a stored file lives (random names, never derived from user input)."""
    return Path(settings.PRIVATE_STORAGE_ROOT) / area / storage_name[:2] / storage_name


def stored_path(document: Document) -> Path:
    """Where an uploaded file version is stored."""
    return private_path("uploads", document.storage_name)


def letter_pdf_path(letter: Letter) -> Path:
    """Where an issued letter's sealed PDF is stored."""
    return private_path("letters", letter.storage_name)


def paper_pdf_path(paper: Paper) -> Path:
    """Where a sealed paper (agenda papers, minutes) is stored."""
    return private_path("papers", paper.storage_name)


def write_private_file(path: Path, data: bytes) -> Path:
    """Write a new private file (never overwriting one); a failed write (full disk, read-only
    mount) leaves no part of it behind and raises the OSError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:  # "x": never overwrite an existing file
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o600)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


def discard(paths: Iterable[Path]) -> None:
    """Remove files written by a transaction that then failed (rows rolled back with it)."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
