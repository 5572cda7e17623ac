"""Where private files live and how they are written: uploads, sealed letters and papers.

One storage abstraction for every process (web and workers, on one machine or several): a file
is named by a *key*, ``<area>/<first two characters>/<random name>`` (``uploads``,
``letters`` or ``papers``), never derived from user input and never under a public URL; files are served only
by views that check who is asking. A file is written once (never overwritten); a failed write
leaves no part of it behind and raises ``OSError``, whatever the store.

The store is the local disk under ``PRIVATE_STORAGE_ROOT`` (fsynced, mode 0600) unless
``STORAGES["private"]`` names another Django storage, e.g. an S3-compatible object store through
django-storages (``PRIVATE_S3_*`` in the settings), which machines share.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from core.errors import ServiceUnavailable
from documents.models import Document, Letter, Paper

AREAS = ("uploads", "letters", "papers")


def private_key(area: str, storage_name: str) -> str:
    """The key of a stored file (random names, never derived from user input)."""
    return f"{area}/{storage_name[:2]}/{storage_name}"


def document_key(document: Document) -> str:
    return private_key("uploads", document.storage_name)


def letter_key(letter: Letter) -> str:
    return private_key("letters", letter.storage_name)


def paper_key(paper: Paper) -> str:
    return private_key("papers", paper.storage_name)


class StoreUnavailable(OSError, ServiceUnavailable):
    """The object store could not be reached or refused the request (a download then answers
    503, "try again shortly", rather than a server error)."""


class LocalStore:
    """Files on this machine's disk under ``PRIVATE_STORAGE_ROOT`` (read when asked, so a
    changed setting takes effect at once)."""

    @property
    def root(self) -> Path:
        return Path(settings.PRIVATE_STORAGE_ROOT)

    def path(self, key: str) -> Path:
        return self.root / key

    def write(self, key: str, data: bytes) -> None:
        write_private_file(self.path(key), data)

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def remove(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self.path(key).unlink()

    def keys(self) -> Iterator[str]:
        for area in AREAS:
            folder = self.root / area
            if folder.is_dir():
                for path in sorted(folder.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        yield path.relative_to(self.root).as_posix()


class DjangoStore:
    """Any Django storage (django-storages' S3Storage in practice); its errors become
    ``StoreUnavailable`` so callers handle one kind of failure."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.storage, method)(*args)
        except OSError:
            raise
        except Exception as error:  # botocore's connection and client errors, and the like
            raise StoreUnavailable(f"private store: {type(error).__name__}: {error}") from error

    def write(self, key: str, data: bytes) -> None:
        if self._call("exists", key):
            raise FileExistsError(key)
        saved = self._call("save", key, ContentFile(data))
        if saved != key:  # the store chose another name: never keep a file under two names
            self.remove(saved)
            raise FileExistsError(key)

    def open(self, key: str) -> IO[bytes]:
        if not self._call("exists", key):
            raise FileNotFoundError(key)
        return self._call("open", key, "rb")  # type: ignore[no-any-return]

    def exists(self, key: str) -> bool:
        return bool(self._call("exists", key))

    def remove(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self._call("delete", key)

    def keys(self) -> Iterator[str]:
        def walk(folder: str) -> Iterator[str]:
            folders, files = self._call("listdir", folder)
            for name in sorted(files):
                yield f"{folder}/{name}"
            for name in sorted(folders):
                yield from walk(f"{folder}/{name}")

        for area in AREAS:
            yield from walk(area)


Store = LocalStore | DjangoStore


def private_store() -> Store:
    """The configured store for private files."""
    if "private" in settings.STORAGES:
        return DjangoStore(storages["private"])
    return LocalStore()


def write_private_file(path: Path, data: bytes) -> Path:
    """Write a new private file on the local disk (never overwriting one); a failed write (full
    disk, read-only mount) leaves no part of it behind and raises the OSError."""
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


def store_private(key: str, data: bytes) -> str:
    """Write a new private file under ``key`` in the configured store; ``OSError`` on failure."""
    private_store().write(key, data)
    return key


def open_private(key: str) -> IO[bytes]:
    """The stored file for reading; ``FileNotFoundError`` when it is not there."""
    return private_store().open(key)


def read_private(key: str) -> bytes:
    with open_private(key) as handle:
        return handle.read()


def discard(keys: Iterable[str]) -> None:
    """Remove files written by a transaction that then failed (rows rolled back with it)."""
    store = private_store()
    for key in keys:
        store.remove(key)


# --- the local disk's paths (the default store; tests and tools read files there) -------------


def private_path(area: str, storage_name: str) -> Path:
    """Where a stored file lives on the local disk."""
    return LocalStore().path(private_key(area, storage_name))


def stored_path(document: Document) -> Path:
    """Where an uploaded file version is stored on the local disk."""
    return LocalStore().path(document_key(document))


def letter_pdf_path(letter: Letter) -> Path:
    """Where an issued letter's sealed PDF is stored on the local disk."""
    return LocalStore().path(letter_key(letter))


def paper_pdf_path(paper: Paper) -> Path:
    """Where sealed papers (agenda papers, minutes) are stored on the local disk."""
    return LocalStore().path(paper_key(paper))
