"""In a real browser (Debian chromium, live server): a person whose browser asks for English
switches to Korean with the header's switcher, and the Korean pages stay accessible (axe-core:
no serious or critical violations) and fit a 320 px screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from applications.models import Application
from tests.browser import chromium
from tests.builders import build_world, draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 320, "height": 800}, locale="en-GB")
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        yield tab
        context.close()


def check_korean_page(page: Any) -> None:
    page.wait_for_load_state()  # the page a click may have started loading
    assert page.get_attribute("html", "lang") == "ko", page.url
    serious = [
        f"{v['id']} ({v['impact']})"
        for v in AXE.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at 320 px by {overflow} px"
    # Korean has no spaces inside words: a squeezed button would break "변경" into 변 / 경.
    lines = page.evaluate(
        "(() => { const r = document.createRange();"
        " r.selectNodeContents(document.querySelector('.language-form button'));"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })()"
    )
    assert lines == 1, f"{page.url}: the switcher's button wraps onto {lines} lines"


def test_an_applicant_switches_to_korean_and_works_through_korean_pages(page, live_server):
    world = build_world()
    world.applicant.set_password("journey-Passphrase-31")
    world.applicant.save()
    draft(world, title="자율주행 배송 로봇")
    app = Application.objects.get()

    page.goto(live_server.url + "/accounts/login/")
    assert page.get_attribute("html", "lang") == "en"  # the browser asks for English
    page.select_option("#language-select", "ko")
    with page.expect_navigation():
        page.click(".language-form button")
    assert page.url == live_server.url + "/accounts/login/"  # back on the same page, in Korean
    assert page.locator("main h1").inner_text() == "로그인"
    check_korean_page(page)

    page.fill("#id_username", world.applicant.username)
    page.fill("#id_password", "journey-Passphrase-31")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/apply/$"))
    assert page.locator("main h1").inner_text() == "내 신청"
    assert "실증특례" in page.locator("main").inner_text()
    check_korean_page(page)

    for path in (f"/apply/{app.pk}/step/service/", f"/apply/{app.pk}/check/", "/apply/new/"):
        page.goto(live_server.url + path)
        check_korean_page(page)
    page.goto(live_server.url + f"/apply/{app.pk}/check/")
    assert page.locator("main button[type=submit]").inner_text() == "신청서 제출"
