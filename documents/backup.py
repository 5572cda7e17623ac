"""Backup and restore of a whole installation: the database and the private files.

``manage.py backup FILE`` writes one tar file: the database (``pg_dump`` custom format on
PostgreSQL, taken in an exported snapshot; SQLite's online backup otherwise), every private file
the database refers to (uploads and sealed letters, read from the configured store: local disk
or object store), the letter-sealing certificates (never the private keys unless
``--include-private-keys``), and ``manifest.json`` with each part's SHA-256.

It is consistent: on PostgreSQL the list of files is read in the very snapshot ``pg_dump``
dumps, and files are written once and never changed, so the backup holds exactly the files its
database names. ``manage.py restore FILE`` puts it into an *empty* installation (no tables, no
private files), checks every part against the manifest, and then verifies the result: the audit
chain, and every upload's and letter's SHA-256 against its row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applications.audit import audit_verify
from applications.models import AuditEvent
from documents.models import Document, Letter, LetterStatus
from documents.storage import (
    document_key,
    letter_key,
    private_key,
    private_store,
    read_private,
    store_private,
)

FORMAT = 1
MANIFEST = "manifest.json"
CERTIFICATE_NAME = "letter-seal.pem"


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- PostgreSQL's tools -------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: ``$PG_BINDIR``, then the highest Debian version, then PATH."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if re.fullmatch(r"\d+(\.\d+)?", p.name)]
        versions.sort(key=lambda p: tuple(int(x) for x in p.name.split(".")), reverse=True)
        candidates += [p / "bin" / name for p in versions]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} not found: install PostgreSQL's client tools or set PG_BINDIR.")


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments and environment for the configured database."""
    db = settings.DATABASES["default"]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


# --- what the database refers to ----------------------------------------------------------------


def referenced_files() -> list[tuple[str, str]]:
    """(key, SHA-256) of every upload and issued letter the database names, as the current
    transaction sees it."""
    files = [
        (private_key("uploads", name), sha)
        for name, sha in Document.objects.values_list("storage_name", "sha256").order_by("pk")
    ]
    files += [
        (private_key("letters", name), sha)
        for name, sha in Letter.objects.filter(status=LetterStatus.ISSUED)
        .exclude(storage_name="")
        .values_list("storage_name", "sha256")
        .order_by("pk")
    ]
    return files


def _sqlite_referenced_files(path: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(path)) as db:
        uploads = db.execute(
            "SELECT storage_name, sha256 FROM documents_document ORDER BY id"
        ).fetchall()
        letters = db.execute(
            "SELECT storage_name, sha256 FROM documents_letter "
            "WHERE status = ? AND storage_name != '' ORDER BY id",
            [LetterStatus.ISSUED.value],
        ).fetchall()
    return [(private_key("uploads", n), s) for n, s in uploads] + [
        (private_key("letters", n), s) for n, s in letters
    ]


# --- certificates and keys ------------------------------------------------------------------------


def _sealing_material(*, with_keys: bool) -> dict[str, bytes]:
    """The letter-sealing certificate (PEM), and with ``with_keys`` the PKCS#12 key file."""
    found: dict[str, bytes] = {}
    configured = settings.LETTER_SIGNING_PKCS12
    if configured:
        data = Path(configured).read_bytes()
        passphrase = (settings.LETTER_SIGNING_PASSPHRASE or "").encode() or None
        _key, certificate, _chain = pkcs12.load_key_and_certificates(data, passphrase)
        if certificate is not None:
            found[f"certificates/{CERTIFICATE_NAME}"] = certificate.public_bytes(
                serialization.Encoding.PEM
            )
        if with_keys:
            found[f"keys/{Path(configured).name}"] = data
        return found
    folder = Path(settings.LETTER_DEMO_KEY_DIR)
    if (folder / "demo-seal.pem").is_file():
        found[f"certificates/{CERTIFICATE_NAME}"] = (folder / "demo-seal.pem").read_bytes()
        if with_keys and (folder / "demo-seal.p12").is_file():
            found["keys/demo-seal.p12"] = (folder / "demo-seal.p12").read_bytes()
            found["keys/demo-seal.pem"] = (folder / "demo-seal.pem").read_bytes()
    return found


# --- backup -------------------------------------------------------------------------------------


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _dump_database(folder: Path) -> tuple[str, Path, list[tuple[str, str]], dict[str, Any]]:
    """The database file, the files it names and the chain's head, all from one snapshot."""
    if connection.vendor == "postgresql":
        target = folder / "database.dump"
        args, env = _pg_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            files = referenced_files()
            head = _audit_head()
            command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            _run([*command, f"--snapshot={snapshot}", f"--file={target}", *args], env)
        return "postgresql", target, files, head
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
        files = _sqlite_referenced_files(target)
        with closing(sqlite3.connect(target)) as copy:
            row = copy.execute(
                "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM applications_auditevent"
            ).fetchone()
            last = copy.execute(
                "SELECT hash FROM applications_auditevent ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return "sqlite", target, files, {"events": row[0], "head": last[0] if last else ""}
    raise BackupError(f"No backup for the {connection.vendor} database engine.")


def _audit_head() -> dict[str, Any]:
    last = AuditEvent.objects.order_by("-seq").values_list("hash", flat=True).first()
    return {"events": AuditEvent.objects.count(), "head": last or ""}


def backup_create(*, destination: Path, include_private_keys: bool = False) -> dict[str, Any]:
    """Write the backup to ``destination`` (a new file; written aside, then renamed)."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose a new file name.")
    with tempfile.TemporaryDirectory(prefix="sandbox-backup-") as scratch:
        vendor, dump, files, audit = _dump_database(Path(scratch))
        dump_bytes = dump.read_bytes()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
            "database": {
                "vendor": vendor,
                "file": f"database/{dump.name}",
                "sha256": _sha256(dump_bytes),
            },
            "audit": audit,
            "files": {},
            "certificates": [],
            "private_keys": [],
        }
        partial = destination.with_name(f".{destination.name}.partial")
        try:
            with tarfile.open(partial, "w") as archive:
                _add(archive, manifest["database"]["file"], dump_bytes)
                del dump_bytes
                for key, expected in files:
                    try:
                        data = read_private(key)
                    except FileNotFoundError as error:
                        raise BackupError(f"The database names {key}, which is missing.") from error
                    digest = _sha256(data)
                    if digest != expected:
                        raise BackupError(f"{key} does not match its SHA-256 in the database.")
                    manifest["files"][key] = {"sha256": digest, "size": len(data)}
                    _add(archive, f"private/{key}", data)
                for name, data in _sealing_material(with_keys=include_private_keys).items():
                    _add(archive, name, data)
                    kind = "certificates" if name.startswith("certificates/") else "private_keys"
                    manifest[kind].append({"name": name, "sha256": _sha256(data)})
                text = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _add(archive, MANIFEST, text)
            partial.chmod(0o600)
            partial.replace(destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- restore ------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    files: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    """One part of the backup (read when needed, so memory holds one file at a time)."""
    if name.startswith("/") or ".." in Path(name).parts:
        raise BackupError(f"Refusing an unsafe path in the backup: {name}")
    try:
        handle = archive.extractfile(name)
    except KeyError as error:
        raise BackupError(f"The backup has no {name}.") from error
    if handle is None:
        raise BackupError(f"{name} in the backup is not a file.")
    with handle:
        return handle.read()


def _require_empty() -> None:
    tables = set(connection.introspection.table_names())
    if tables:
        raise BackupError(
            "The database is not empty (it has tables): restore only into a new installation."
        )
    if next(iter(private_store().keys()), None) is not None:
        raise BackupError("The private file store is not empty: restore only into a new one.")


def _restore_database(vendor: str, data: bytes) -> None:
    if vendor != connection.vendor:
        raise BackupError(f"The backup is of a {vendor} database; this one is {connection.vendor}.")
    with tempfile.TemporaryDirectory(prefix="sandbox-restore-") as scratch:
        dump = Path(scratch) / "database"
        dump.write_bytes(data)
        if vendor == "postgresql":
            args, env = _pg_environment()
            command = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
            _run([*command, "--single-transaction", *args, str(dump)], env)
        else:
            connection.ensure_connection()
            with closing(sqlite3.connect(dump)) as source:
                source.backup(connection.connection)
    connection.close()  # reconnect: the tables now exist


def backup_restore(*, source: Path) -> RestoreReport:
    """Restore the backup into this (empty) installation, then verify it."""
    with tarfile.open(source, "r") as archive:
        try:
            manifest = json.loads(_member(archive, MANIFEST))
        except BackupError as error:
            raise BackupError("This file has no manifest: it is not a Sandbox backup.") from error
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        database = manifest["database"]
        if _sha256(_member(archive, database["file"])) != database["sha256"]:
            raise BackupError("The database part does not match its SHA-256 in the manifest.")
        for key, facts in manifest["files"].items():
            if _sha256(_member(archive, f"private/{key}")) != facts["sha256"]:
                raise BackupError(f"{key} does not match its SHA-256 in the manifest.")
        _require_empty()
        _restore_database(database["vendor"], _member(archive, database["file"]))
        for key in manifest["files"]:
            store_private(key, _member(archive, f"private/{key}"))
        var = Path(settings.VAR_DIR)
        for item in manifest["certificates"]:
            target = var / item["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_member(archive, item["name"]))
        for item in manifest["private_keys"]:
            target = Path(settings.LETTER_DEMO_KEY_DIR) / Path(item["name"]).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_member(archive, item["name"]))
            target.chmod(0o600)
    report = installation_verify()
    if report.events != manifest["audit"]["events"]:
        report.problems.append(
            f"The backup had {manifest['audit']['events']} audit events; {report.events} restored."
        )
    return report


def installation_verify() -> RestoreReport:
    """The audit chain, and every upload's and issued letter's file against its SHA-256."""
    report = RestoreReport()
    chain = audit_verify()
    report.events = chain.events_checked
    if not chain.ok:
        report.problems.append(f"Audit chain broken at event #{chain.first_broken_seq}.")
    checks = [(document_key(d), d.sha256) for d in Document.objects.order_by("pk")]
    checks += [
        (letter_key(letter), letter.sha256)
        for letter in Letter.objects.filter(status=LetterStatus.ISSUED).order_by("pk")
    ]
    for key, expected in checks:
        try:
            data = read_private(key)
        except FileNotFoundError:
            report.problems.append(f"{key} is missing.")
            continue
        if _sha256(data) != expected:
            report.problems.append(f"{key} does not match its SHA-256.")
        report.files += 1
    return report
