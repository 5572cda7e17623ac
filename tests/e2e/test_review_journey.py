"""The review journey in a real browser (Debian chromium through Playwright, live server): an
officer signs in with a TOTP code (enrolling on the way), claims a case, accepts it, asks a
related ministry for its opinion; the consultee answers; the officer recommends; a decision
maker approves; the applicant's case page shows the decision (and the letter once issued).
axe-core checks every staff page on the way for serious or critical violations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.twofactor import current_code
from applications.models import Application
from applications.workflow import ApplicationStatus as S
from documents.models import Letter
from tests.browser import chromium
from tests.builders import World, build_world, drive
from tests.e2e.test_applicant_journey import accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # the factories' password


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, width: int = 1024) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def english(page: Any, base: str) -> None:
    page.goto(base + "/")
    page.select_option("#language-select", "en")
    page.click(".language-form button")


def sign_in(page: Any, base: str, username: str, target: str) -> None:
    english(page, base)
    page.goto(base + target)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def pass_totp(page: Any, device: TOTPDevice, checked: list[str]) -> None:
    page.wait_for_url(re.compile(r"/review/2fa/(setup|verify)/"))
    accessible(page, checked)
    device.refresh_from_db()
    page.fill("#id_token", current_code(device))
    page.click("main button[type=submit]")


def open_action(page: Any, label: str, checked: list[str]) -> None:
    page.click(f'main .action-list a:has-text("{label}")')
    page.wait_for_selector("main form[method=post]")
    accessible(page, checked)


def test_a_case_goes_from_claim_through_consultation_and_recommendation_to_approval(
    browser, live_server
):
    base = live_server.url
    world: World = build_world()
    app = drive(world, S.SUBMITTED)
    checked: list[str] = []
    for user in (world.consultee, world.decider):
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    # The officer signs in, sets up two-factor sign-in, and finds the case at intake.
    officer = new_page(browser, width=320)
    sign_in(officer, base, "officer", "/review/")
    officer.wait_for_url(re.compile(r"/review/2fa/setup/"))
    expect(officer.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    pass_totp(officer, TOTPDevice.objects.get(user=world.officer), checked)
    officer.wait_for_url(re.compile(r"/review/$"))
    accessible(officer, checked)
    officer.click(f"main table a:has-text('{app.reference}')")
    officer.wait_for_url(re.compile(rf"/review/{app.pk}/$"))
    accessible(officer, checked)

    # Claim (declaring no conflict), accept, consult MOLIT.
    open_action(officer, "Claim this case", checked)
    officer.click("main button[type=submit]")  # nothing chosen: the error summary
    expect(officer.locator(".error-summary")).to_be_visible()
    accessible(officer, checked)
    officer.check("#id_declaration_0")
    officer.click("main button[type=submit]")
    officer.wait_for_selector("text=The case is now assigned to you.")
    accessible(officer, checked)
    open_action(officer, "Accept as complete", checked)
    officer.check("#id_no_conflict_declared")
    officer.click("main button[type=submit]")
    officer.wait_for_selector("text=the review has started")
    open_action(officer, "Request opinions from ministries", checked)
    officer.check(f"input[name=ministries][value='{world.other_ministry.pk}']")
    officer.fill("#id_question", "May delivery robots use the pavement safely?")
    officer.click("main button[type=submit]")
    officer.wait_for_selector("text=The opinion requests were sent.")
    accessible(officer, checked)

    # The consultee answers from their own queue.
    consultee = new_page(browser)
    sign_in(consultee, base, "consultee", "/review/")
    pass_totp(consultee, TOTPDevice.objects.get(user=world.consultee), checked)
    consultee.wait_for_url(re.compile(r"/review/$"))
    accessible(consultee, checked)
    consultee.click(f"main table a:has-text('{app.reference}')")
    open_action(consultee, "Give your ministry's opinion", checked)
    consultee.check("input[name=opinion][value=agree_with_conditions]")
    consultee.fill("#id_reasons", "Speed limited to 5 km/h near schools.")
    consultee.click("main button[type=submit]")
    consultee.wait_for_selector("text=Your ministry's opinion was recorded.")
    accessible(consultee, checked)

    # The officer recommends approval with numbered conditions.
    officer.reload()
    assert "Speed limited to 5 km/h near schools." in officer.content()
    open_action(officer, "Recommend to the committee", checked)
    officer.check("input[name=outcome][value=approve]")
    officer.fill("#id_proposed_term_days", "365")
    officer.fill("#id_proposed_conditions", "Speed at most 5 km/h\nRemote monitoring at all times")
    officer.click("main button[type=submit]")
    officer.wait_for_selector("text=the case is in deliberation")
    accessible(officer, checked)

    # A decision maker approves, starting from the recommendation.
    decider = new_page(browser)
    sign_in(decider, base, "decider", "/review/")
    pass_totp(decider, TOTPDevice.objects.get(user=world.decider), checked)
    decider.wait_for_url(re.compile(r"/review/$"))
    accessible(decider, checked)
    decider.click(f"main table a:has-text('{app.reference}')")
    open_action(decider, "Approve", checked)
    assert decider.input_value("#id_conditions").startswith("Speed at most 5 km/h")
    decider.fill("#id_committee_reference", "Committee meeting 2026-3")
    decider.click("main button[type=submit]")
    decider.wait_for_selector("text=The application was approved.")
    accessible(decider, checked)
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.decisions.get(kind="approval").conditions == [
        "Speed at most 5 km/h",
        "Remote monitoring at all times",
    ]

    # The applicant sees the decision on their case page.
    applicant = new_page(browser)
    english(applicant, base)
    applicant.goto(base + "/accounts/login/")
    applicant.fill("#id_username", "applicant")
    applicant.fill("#id_password", PASSWORD)
    applicant.click("main button[type=submit]")
    applicant.wait_for_url(re.compile(r"/apply/$"))
    applicant.goto(f"{base}/apply/{app.pk}/")
    assert applicant.locator(".tag-approved").first.inner_text() == "Approved"
    assert "The committee approved the application." in applicant.content()
    for letter in Letter.objects.filter(application=app):
        assert letter.number in applicant.content()
    assert Application.objects.get(pk=app.pk).status == S.APPROVED
    assert len(checked) >= 18
