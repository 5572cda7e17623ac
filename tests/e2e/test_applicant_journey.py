"""The applicant's journey in a real browser (Debian chromium through Playwright, live server):
sign up → verify → draft over two sessions → upload → submit → receipt email; answer a
supplement request; withdraw. axe-core checks every page on the way for serious or critical
accessibility violations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from applications import services
from applications.models import Application
from applications.validators import brn_check_digit
from applications.workflow import ApplicationStatus as S
from tests.browser import chromium
from tests.builders import build_world
from tests.portal import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-Passphrase-31"
AXE = Axe()


@pytest.fixture
def browser_page() -> Iterator[object]:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 320, "height": 800}, locale="en-GB", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()


def accessible(page, checked: list[str]) -> None:
    """No serious or critical axe-core violations on the page now shown, and no sideways
    scrolling at 320 px. Waits for the page a click may have started loading to finish first."""
    page.wait_for_load_state()
    results = AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at 320 px by {overflow} px"
    checked.append(page.url)


def english(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.select_option("#language-select", "en")
    page.click(".language-form button")


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/apply/$"))


def test_an_applicant_signs_up_drafts_over_two_sessions_submits_answers_and_withdraws(
    browser_page, live_server
):
    page = browser_page
    world = build_world()
    world.exemption.required_document_types = ["business_plan"]
    world.exemption.save()
    checked: list[str] = []
    english(page, live_server)

    # Sign up and confirm the address.
    page.goto(live_server.url + "/accounts/signup/")
    accessible(page, checked)
    page.click("main button[type=submit]")  # empty form: the error summary
    expect(page.locator(".error-summary")).to_be_visible()
    accessible(page, checked)
    page.fill("#id_full_name", "Kim Minji")
    page.fill("#id_email", "minji@example.test")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_organization_name", "Robotics Lab")
    page.fill("#id_registration_number", "220810234" + str(brn_check_digit("220810234")))
    page.fill("#id_representative", "Kim Minji")
    page.fill("#id_address", "Seoul")
    page.check("#id_language_1")  # English
    page.check("#id_privacy_consent")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/signup/sent/$"))
    accessible(page, checked)
    link = re.search(r"https?://\S+?(/accounts/verify/\S+)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    accessible(page, checked)

    # First session: start a draft, fill one step, come back later.
    sign_in(page, live_server, "minji@example.test")
    accessible(page, checked)
    page.click("text=Start a new application")
    accessible(page, checked)
    page.check(f"input[name=track][value='{world.exemption.pk}']")
    page.fill("#id_title", "Delivery robots")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/step/service/$"))
    accessible(page, checked)
    page.fill("#id_summary", "Robots deliver parcels inside apartment complexes.")
    page.fill("#id_service_description", "Robots use the pavement.")
    page.fill("#id_technology_description", "Lidar and remote monitoring.")
    page.click("button[name=save_and_exit]")
    page.wait_for_url(re.compile(r"/apply/$"))
    assert "Finish your application and submit it." in page.content()
    page.click("header button:has-text('Sign out')")
    page.wait_for_url(live_server.url + "/")

    # Second session: the draft is still there; finish it.
    sign_in(page, live_server, "minji@example.test")
    app = Application.objects.get()
    base = f"{live_server.url}/apply/{app.pk}"
    page.goto(f"{base}/step/service/")
    assert page.input_value("#id_service_description") == "Robots use the pavement."
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/step/company/$"))  # the profile is optional: go on
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/step/regulations/$"))
    page.fill("#id_statute", "Road Traffic Act")
    page.fill("#id_article", "Art. 2(10)")
    page.fill("#id_reason", "Robots count as vehicles and may not use the pavement.")
    page.click("button[name=add]")
    page.wait_for_selector("text=The regulation was added.")
    accessible(page, checked)
    page.click("button[name=continue]")
    page.wait_for_url(re.compile(r"/step/scope/$"))
    page.fill("#id_requested_term_days", "365")
    page.fill("#id_region", "Seoul, Gangnam")
    page.fill("#id_scale", "20 robots")
    page.fill("#id_max_users", "5000")
    accessible(page, checked)
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/step/safety/$"))
    page.fill("#id_safety_plan", "One operator per five robots; emergency stop.")
    page.fill("#id_user_protection", "Notices at entrances and in the app.")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/step/insurance/$"))
    page.fill("#id_insurance_plan", "KRW 100m liability cover.")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/step/documents/$"))
    page.select_option("#id_doc_type", "business_plan")
    page.set_input_files(
        "#id_file", {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": samples.PDF}
    )
    page.click("button[name=upload]")
    page.wait_for_selector("text=“plan.pdf” was uploaded.")
    accessible(page, checked)
    page.click("button[name=continue]")
    page.wait_for_url(re.compile(r"/step/declarations/$"))
    page.check("#id_declaration_truthful")
    page.check("#id_declaration_consent")
    page.check("#id_language_1")
    accessible(page, checked)
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/check/$"))
    accessible(page, checked)
    page.click("text=Submit application")
    page.wait_for_url(re.compile(rf"/apply/{app.pk}/$"))
    accessible(page, checked)
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert app.reference in page.content()
    receipt = mail.outbox[-1]
    assert receipt.subject == f"We have received your application {app.reference}"
    assert receipt.to == ["minji@example.test"]

    # The ministry asks for more; the applicant answers with a file.
    services.application_request_supplement(
        application=app, by=world.officer, deficiencies=["Pedestrian-detection test report"]
    )
    page.goto(f"{base}/")
    page.click("text=Answer the supplement request")
    accessible(page, checked)
    page.fill("#id_message", "The test report is attached.")
    page.set_input_files(
        "#id_attachments",
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": samples.PDF},
    )
    page.click("text=Send your answer")
    page.wait_for_selector("text=Your answer was sent.")
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert app.documents.filter(original_name="report.pdf").exists()

    # Download the uploaded file back from the case page.
    with page.expect_download() as download:
        page.click("main a:has-text('report.pdf')")
    assert Path(download.value.path()).read_bytes() == samples.PDF

    # Withdraw, with confirmation.
    page.click("a:has-text('Withdraw the application')")
    accessible(page, checked)
    page.click("main button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()
    accessible(page, checked)
    page.check("#id_confirm")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=The application was withdrawn.")
    accessible(page, checked)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    assert len(checked) >= 15  # every page of the journey was checked
