"""What the applicant sees, in a real browser (Debian chromium through Playwright, live server),
in Korean and in English at 320 px, axe-core clean: sign up agreeing to the personal-data notice,
submit, download the receipt (a real PDF, read with pdftotext), and find the case on the grouped
dashboard."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import expect

from accounts import consent
from applications import services
from applications.models import Membership
from applications.validators import brn_check_digit
from tests.browser import chromium
from tests.builders import COMPLETE_DRAFT, build_world
from tests.e2e.test_applicant_journey import PASSWORD, accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "agree": "I agree to the collection and use",
        "receipt": "Download the receipt (PDF)",
        "submit": "Submit application",
        "groups": ["Needs your action", "In review", "Waivers in force", "Closed"],
        "heading": "Receipt of application",
    },
    "ko": {
        "agree": "개인정보 수집·이용에 동의합니다",
        "receipt": "접수증 내려받기(PDF)",
        "submit": "신청서 제출",
        "groups": ["조치가 필요한 건", "검토 중", "효력 중인 규제특례", "종결"],
        "heading": "접수증",
    },
}


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


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_new_company_signs_up_with_consent_submits_and_gets_its_receipt(
    browser_page, live_server, language
):
    page = browser_page
    world = build_world()
    words = WORDS[language]
    checked: list[str] = []
    page.goto(live_server.url + "/")
    page.select_option("#language-select", language)
    page.click(".language-form button")

    page.goto(live_server.url + "/accounts/signup/")
    expect(page.locator(".privacy-notice")).to_be_visible()
    assert consent.current().text(language).refusal in page.content()
    accessible(page, checked)
    page.fill("#id_full_name", "Kim Minji")
    page.fill("#id_email", "minji@example.test")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_organization_name", "Robotics Lab")
    page.fill("#id_registration_number", "220810234" + str(brn_check_digit("220810234")))
    page.fill("#id_representative", "Kim Minji")
    page.fill("#id_address", "Seoul")
    page.check("#id_language_1" if language == "en" else "#id_language_0")
    page.click("main button[type=submit]")  # not agreed yet: named in the summary
    expect(page.locator(".error-summary a[href='#id_privacy_consent']")).to_be_visible()
    accessible(page, checked)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_privacy_consent")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/signup/sent/$"))
    accessible(page, checked)
    user = User.objects.get(username="minji@example.test")
    assert consent.consent_of(user).version == consent.CURRENT
    link = re.search(r"https?://\S+?(/accounts/verify/\S+)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "minji@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/apply/$"))

    # A complete draft (the form itself is the other journey's), submitted in the browser.
    organization = Membership.objects.get(user=user).organization
    app = services.application_create_draft(
        by=user,
        organization=organization,
        program=world.program,
        track=world.exemption,
        **{**COMPLETE_DRAFT, "language": language},
    )
    services.regulation_add(
        application=app, by=user, statute="도로교통법", article="제2조 제10호", reason="보도 통행"
    )
    page.goto(f"{live_server.url}/apply/{app.pk}/check/")
    page.click(f"text={words['submit']}")
    page.wait_for_url(re.compile(rf"/apply/{app.pk}/$"))
    accessible(page, checked)
    with page.expect_download() as download:
        page.click(f"main a:has-text('{words['receipt']}')")
    pdf = Path(download.value.path()).read_bytes()
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    app.refresh_from_db()
    assert words["heading"] in text and app.reference in text

    page.goto(live_server.url + "/apply/")
    for title in words["groups"]:
        expect(page.locator(".case-group h2", has_text=title)).to_be_visible()
    expect(page.locator("#group-review + ul a", has_text=app.title)).to_be_visible()
    accessible(page, checked)
    page.fill("#id_q", app.reference)
    page.click(".dashboard-filters button")
    expect(page.locator("main [role=status]")).to_be_visible()
    accessible(page, checked)
