"""The applicant opens their approved case in a real browser and downloads the sealed letter;
then anyone checks it on the public verification page (axe-core: no serious violations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import chromium
from tests.builders import build_world
from tests.documents.helpers import approved_case, issue_all, pdf_text
from tests.e2e.test_applicant_journey import accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context() -> Iterator[object]:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 320, "height": 800}, locale="en-GB", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()


def test_the_applicant_downloads_the_letter_of_their_approved_case(
    browser_context, live_server, tmp_path
):
    world = build_world()
    app = approved_case(world)
    (letter,) = issue_all(app)
    client = Client()
    client.force_login(world.applicant)
    browser_context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            },
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page = browser_context.new_page()
    page.goto(live_server.url + reverse("application-detail", args=[app.pk]))
    link = page.get_by_role("link", name=letter.number)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{letter.number}.pdf"
    saved = Path(tmp_path / download.suggested_filename)
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    text = pdf_text(saved)
    assert letter.number in text and world.organization.name in text

    # The public check page, signed out: upload the downloaded file.
    browser_context.clear_cookies()
    browser_context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("letter-verify", args=[letter.number]))
    checked: list[str] = []
    accessible(page, checked)
    page.set_input_files("#id_file", str(saved))
    page.click("main form[enctype] button[type=submit]")
    expect(page.get_by_text("This is the letter we issued")).to_be_visible()
    accessible(page, checked)
