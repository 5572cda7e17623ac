"""The public side in a real browser at 320 px, signed out, in English and Korean: search the
register, open a waiver's page, follow its letter to the check page, use the check form, read
the statistics. axe-core finds no serious or critical violation on any of them, and nothing
scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from register.rules import PublishedField
from register.services import statistics_refresh
from tests.browser import chromium
from tests.builders import build_world
from tests.documents.helpers import issue_all
from tests.e2e.test_applicant_journey import accessible
from tests.register.helpers import granted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page() -> Iterator[object]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 320, "height": 800}, locale="en-GB")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()


def test_a_visitor_searches_the_register_checks_a_letter_and_reads_the_statistics(
    page, live_server
):
    world = build_world()
    app = granted(
        world,
        title="자율주행 배송 로봇",
        claims={PublishedField.SCALE: "원가 구조"},
        decisions={PublishedField.SCALE: True},
    )
    granted(world, title="드론 산림 감시")
    (letter,) = issue_all(app)
    statistics_refresh()
    checked: list[str] = []
    url = live_server.url

    page.goto(url + "/")
    page.select_option("#language-select", "en")
    page.click(".language-form button")
    accessible(page, checked)
    page.get_by_role("link", name="Register of waivers").first.click()
    accessible(page, checked)
    page.fill("#id_q", "자율주")  # part of a Korean word
    page.click("main form[role=search] button[type=submit]")
    expect(page.get_by_text("1 waiver")).to_be_visible()
    accessible(page, checked)

    page.get_by_role("link", name="자율주행 배송 로봇").click()
    expect(page.get_by_role("heading", name="자율주행 배송 로봇")).to_be_visible()
    expect(page.get_by_text("Withheld: trade secret")).to_be_visible()
    accessible(page, checked)

    page.get_by_role("link", name=f"Check letter {letter.number}").click()
    expect(page.get_by_text("Where this decision stands now")).to_be_visible()
    assert page.locator(".standing").inner_text() == "In force"
    accessible(page, checked)

    page.goto(url + reverse("letter-verify-start"))
    accessible(page, checked)
    page.fill("#id_number", letter.number)
    page.fill("#id_code", letter.verification_code.lower())
    page.click("main form[method=get] button[type=submit]")
    expect(page.get_by_text(world.organization.name)).to_be_visible()
    page.goto(url + reverse("letter-verify", args=[letter.number]))
    assert page.get_by_text(world.organization.name).count() == 0
    accessible(page, checked)

    page.goto(url + reverse("statistics"))
    assert page.locator("svg.chart[role=img]").count() >= 8
    assert page.get_by_role("table").count() == page.locator("svg.chart").count()
    accessible(page, checked)

    # The same pages in Korean.
    page.select_option("#language-select", "ko")
    page.click(".language-form button")
    page.wait_for_url("**/statistics/")
    assert page.locator("html").get_attribute("lang") == "ko"
    accessible(page, checked)
    page.goto(url + reverse("register"))
    expect(page.get_by_role("heading", name="승인된 규제특례 현황")).to_be_visible()
    accessible(page, checked)
    page.goto(url + reverse("register-entry", args=[app.reference]))
    accessible(page, checked)
    page.goto(url + "/no-such-page/")
    accessible(page, checked)
    assert len(checked) == 12
