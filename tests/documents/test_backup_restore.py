"""Backup and restore, tested end to end: a seeded PostgreSQL installation (the demo data, with
sealed letters and uploads) is backed up with ``manage.py backup``, restored with ``manage.py
restore`` into a fresh PostgreSQL cluster and a fresh directory, and then checked from outside:
the audit chain verifies, every upload's and letter's file has the SHA-256 its row records, and
a restored letter is confirmed by the public /verify/ page."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.pgcluster import pg_cluster

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout


def installation(url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRIVATE_", "DJANGO_"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": url,
        "SANDBOX_VAR_DIR": str(var),
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "TASKS_BACKEND": "immediate",
    }


def files_and_hashes(url: str) -> dict[str, str]:
    """(key → SHA-256) as the database records them, read over a plain connection."""
    with psycopg.connect(url) as db:
        uploads = db.execute("SELECT storage_name, sha256 FROM documents_document").fetchall()
        letters = db.execute(
            "SELECT storage_name, sha256 FROM documents_letter WHERE status = 'issued'"
        ).fetchall()
    found = {f"uploads/{n[:2]}/{n}": s for n, s in uploads}
    found.update({f"letters/{n[:2]}/{n}": s for n, s in letters})
    return found


@pytest.fixture
def source_url():
    """A new database on the suite's cluster for the installation to back up."""
    db = settings.DATABASES["default"]
    admin = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/postgres"
    name = f"backup_source_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


VERIFY_SCRIPT = """
from django.test import Client
from documents.models import Letter
from documents.storage import letter_key, read_private
from django.core.files.uploadedfile import SimpleUploadedFile
letter = Letter.objects.filter(status="issued").order_by("pk").first()
client = Client(HTTP_ACCEPT_LANGUAGE="en")
page = client.get(f"/verify/{letter.number}/")
pdf = SimpleUploadedFile("letter.pdf", read_private(letter_key(letter)), "application/pdf")
answer = client.post(f"/verify/{letter.number}/", {"file": pdf})
print(letter.number, page.status_code, answer.status_code)
print("MATCHES" if "matches letter" in answer.content.decode() else "NO MATCH")
"""


def test_a_seeded_installation_restores_into_a_fresh_cluster_and_directory(tmp_path, source_url):
    source = installation(source_url, tmp_path / "source")
    manage(source, "migrate", "--noinput", "-v", "0")
    manage(source, "seed_demo")
    recorded = files_and_hashes(source_url)
    assert any(k.startswith("letters/") for k in recorded)
    assert any(k.startswith("uploads/") for k in recorded)
    backup = tmp_path / "sandbox.backup.tar"
    manage(source, "backup", str(backup))
    with tarfile.open(backup) as archive:
        names = archive.getnames()
    assert "manifest.json" in names and "certificates/letter-seal.pem" in names
    assert not any(n.startswith("keys/") for n in names)  # no private key unless asked
    keyed = tmp_path / "with-keys.tar"
    manage(source, "backup", str(keyed), "--include-private-keys")
    with tarfile.open(keyed) as archive:
        assert "keys/demo-seal.p12" in archive.getnames()

    with pg_cluster() as target_url:
        target = installation(target_url, tmp_path / "restored")
        out = manage(target, "restore", str(backup))
        assert "Restored and verified" in out
        assert "Audit chain OK" in manage(target, "verify_audit_chain")
        restored = files_and_hashes(target_url)
        assert restored == recorded
        for key, sha in restored.items():
            data = (tmp_path / "restored" / "private" / key).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha, key
        lines = manage(target, "shell", "-c", VERIFY_SCRIPT).strip().splitlines()
        _number, page, answer = lines[-2].split()
        assert (page, answer) == ("200", "200"), lines
        assert lines[-1] == "MATCHES", lines
        # A second restore into the same (now full) installation is refused.
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(backup)],
            cwd=ROOT,
            env=target,
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode != 0 and "not empty" in again.stderr
