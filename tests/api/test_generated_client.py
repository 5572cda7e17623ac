"""A client generated from the OpenAPI document by openapi-python-client, used against a live
server as a third party would: it lists cases, walks their pages with the cursor, and downloads
a letter's PDF byte for byte."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from api.auth import api_token_issue
from applications.models import Decision
from tests.api.test_letters_api import PDF, _letter
from tests.builders import World, drive

BIN = Path(sys.executable).parent
PACKAGE = "sandbox_api_client"


@pytest.fixture
def generated(tmp_path: Path) -> Any:
    """Generate the client from this server's schema and import it."""
    schema = tmp_path / "openapi.json"
    schema.write_bytes(Client().get("/api/schema/", {"format": "json"}).content)
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every operation was understood
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        shutil.rmtree(tmp_path / PACKAGE, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_lists_pages_and_downloads_a_letter(
    world: World, live_server: Any, generated: Any
):
    references = {str(drive(world, "submitted").reference) for _ in range(4)}
    approved = drive(world, "approved")
    references.add(str(approved.reference))
    letter = _letter(Decision.objects.get(application=approved), "ICT-L-2026-0001")
    _, token = api_token_issue(username=world.auditor.username, name="generated client")

    client = generated.AuthenticatedClient(base_url=live_server.url, token=token)
    applications_list = importlib.import_module(f"{PACKAGE}.api.applications.applications_list")
    letters_pdf = importlib.import_module(f"{PACKAGE}.api.letters.letters_pdf_retrieve")
    letters_list = importlib.import_module(f"{PACKAGE}.api.letters.letters_list")

    seen: list[str] = []
    cursor: Any = generated.types.UNSET
    pages = 0
    while True:
        page = applications_list.sync(client=client, page_size=2, cursor=cursor)
        pages += 1
        seen += [item.reference for item in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert pages == 3
    assert sorted(seen) == sorted(references)
    assert {item.status.value for item in page.results} <= {"submitted", "approved"}

    listed = letters_list.sync(client=client, application=approved.reference)
    assert letter.number in [item.number for item in listed.results]
    downloaded = letters_pdf.sync_detailed(number=letter.number, client=client)
    assert downloaded.status_code == 200
    assert downloaded.parsed.payload.read() == PDF
    missing = letters_pdf.sync(number="NO-SUCH-LETTER", client=client)
    assert (missing.status, missing.code.value) == (404, "not_found")
