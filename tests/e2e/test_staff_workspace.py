"""The staff workspace in a real browser (Debian chromium through Playwright, live server): a
consultee signs in, lands on the workspace, finds the opinion request in the inbox and answers
it from there; a decision maker reads the dashboard. axe-core (contrast included) at 320 px on
every page, and every button and link-button keeps AA contrast when hovered and focused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.twofactor import current_code
from applications import services
from applications.models import Consultation, ConsultationStatus
from applications.workflow import ApplicationStatus as S
from tests.browser import chromium
from tests.builders import build_world, drive
from tests.e2e.test_applicant_journey import accessible
from tests.reviews.test_dashboard import walked

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # the factories' password

# WCAG contrast of each visible button or link-button's text against the background it sits
# on (the nearest ancestor with a background colour), in the state it is in now.
CONTRAST_JS = """
(selector) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const el = document.querySelector(selector);
  const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}
"""


# The value texts of the dashboard's charts that end past their drawing's right edge (drawn,
# not estimated: the browser's own measure of each text).
VALUES_INSIDE_JS = """
() => [...document.querySelectorAll("svg.chart")].flatMap((svg) => {
  const width = svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text.chart-value")]
    .filter((text) => { const box = text.getBBox(); return box.x + box.width > width; })
    .map((text) => text.textContent);
})
"""


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Any, base: str, username: str) -> None:
    """Signs in at the sign-in page itself (no ``next``): staff land on the workspace."""
    page.goto(base + "/")
    page.select_option("#language-select", "en")
    page.click(".language-form button")
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/review/2fa/verify/"))
    device = TOTPDevice.objects.get(user__username=username)
    page.fill("#id_token", current_code(device))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/review/(\?.*)?$"))


def buttons_keep_contrast(page: Any) -> int:
    """Every button and link-button in main, at rest, hovered and focused: AA (4.5:1)."""
    count = page.locator("main button:visible, main a.button:visible").count()
    for index in range(count):
        page.evaluate(
            "(i) => { document.querySelectorAll('main button, main a.button').forEach("
            "(e, n) => e.toggleAttribute('data-probe', n === i)); }",
            index,
        )
        element = page.locator("[data-probe]")
        if not element.is_visible():
            continue
        for state in ("rest", "hover", "focus"):
            if state == "hover":
                element.hover()
            elif state == "focus":
                element.focus()
            ratio = page.evaluate(CONTRAST_JS, "[data-probe]")
            label = element.inner_text()[:40]
            assert ratio >= 4.5, f"{page.url}: {label!r} {state}: contrast {ratio:.2f}"
        page.mouse.move(0, 0)
    return count


def test_a_consultee_answers_an_opinion_request_from_the_inbox(browser, live_server):
    base = live_server.url
    world = build_world()
    for user in (world.consultee, world.officer):
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app,
        by=world.officer,
        ministries=[world.other_ministry],
        question="May delivery robots use the pavement safely?",
    )
    checked: list[str] = []

    consultee = new_page(browser, width=320)
    sign_in(consultee, base, "consultee")
    accessible(consultee, checked)
    badge = consultee.locator(".site-header .unread-count")
    assert badge.inner_text().startswith("1")
    consultee.click(".site-header a:has-text('Inbox')")
    consultee.wait_for_url(re.compile(r"/review/inbox/$"))
    accessible(consultee, checked)
    assert buttons_keep_contrast(consultee) >= 3
    assert f"Your ministry's opinion is requested on {app.reference}" in consultee.content()
    consultee.click("main .inbox-item button:has-text('Open the case')")
    consultee.wait_for_url(re.compile(rf"/review/{app.pk}/$"))
    accessible(consultee, checked)
    assert consultee.locator(".site-header .unread-count").count() == 0  # read now
    consultee.click('main .action-list a:has-text("Give your ministry\'s opinion")')
    consultee.wait_for_selector("main form[method=post]")
    accessible(consultee, checked)
    consultee.check("input[name=opinion][value=agree_with_conditions]")
    consultee.fill("#id_reasons", "Speed limited to 5 km/h near schools.")
    consultee.click("main button[type=submit]")
    consultee.wait_for_selector("text=Your ministry's opinion was recorded.")
    accessible(consultee, checked)
    consultation = Consultation.objects.get(application=app)
    assert consultation.status == ConsultationStatus.ANSWERED

    # The officer holding the case is told the opinion arrived, in their inbox.
    officer = new_page(browser, width=1280)
    sign_in(officer, base, "officer")
    assert officer.locator(".site-header .unread-count").inner_text().startswith("1")
    officer.goto(base + "/review/inbox/")
    assert f"A ministry gave its opinion on {app.reference}" in officer.content()
    officer.goto(f"{base}/review/{app.pk}/")
    assert buttons_keep_contrast(officer) >= 2  # primary and secondary actions
    assert len(checked) >= 5


def test_a_decision_maker_sees_the_dashboard(browser, live_server):
    base = live_server.url
    world = build_world()
    TOTPDevice.objects.create(user=world.decider, name="Authenticator app", confirmed=True)
    drive(world, S.UNDER_REVIEW)
    drive(world, S.DELIBERATION)
    drive(world, S.APPROVED)
    # a decision that took longer than the statutory deadline: its bar is the chart's longest
    walked(world, [(0, "submit"), (4, "accept"), (60, "recommend"), (95, "reject")])
    checked: list[str] = []
    decider = new_page(browser, width=320)
    sign_in(decider, base, "decider")  # a code is good once: one session, two widths
    for width in (320, 1280):
        decider.set_viewport_size({"width": width, "height": 900})
        decider.goto(base + "/review/")
        decider.click(".site-header a:has-text('Dashboard')")
        decider.wait_for_url(re.compile(r"/review/dashboard/$"))
        accessible(decider, checked)
        assert decider.evaluate(VALUES_INSIDE_JS) == [], "a bar's value is cut off"
        chart = decider.locator("svg.chart[role=img]").first
        expect(chart).to_be_visible()
        assert "Open cases by status" in (chart.locator("title").text_content() or "")
        table = decider.locator("main table.data-table").first
        assert "Under review" in table.inner_text() and "In deliberation" in table.inner_text()
        decider.select_option("#dashboard-program", str(world.program.pk))
        decider.click("main form.filters button[type=submit]")
        decider.wait_for_url(re.compile(r"program="))
        accessible(decider, checked)
        assert buttons_keep_contrast(decider) >= 1
        decider.screenshot(path=f"/tmp/dashboard-{width}.png", full_page=True)
    assert len(checked) == 4
