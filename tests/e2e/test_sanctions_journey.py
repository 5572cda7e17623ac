"""Due process in a real browser (Debian chromium through Playwright, live server): the decision
maker sends a prior notice; the company answers with its opinion; the decision maker suspends
with a period and cure steps; the company requests resumption; the decision maker resumes. Each
step's letter is downloaded by the company and checks out on /verify/. At 390 px, axe-core finds
no serious or critical violation on the way, and nothing scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
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
from tests.documents.helpers import issue_all, pdf_text
from tests.e2e.test_applicant_journey import accessible
from tests.e2e.test_supervision_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, width: int = 390) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="en-GB", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_notice_opinion_suspension_resumption_with_letters_verified(browser, live_server, tmp_path):
    base = live_server.url
    world: World = build_world()
    app = drive(world, S.ACTIVE)
    device = TOTPDevice.objects.create(user=world.decider, name="Authenticator app", confirmed=True)
    checked: list[str] = []

    # The decision maker sends a prior notice of suspension from the case page.
    decider = new_page(browser)
    sign_in(decider, base, "decider", f"/review/{app.pk}/")
    decider.wait_for_url(re.compile(r"/review/2fa/verify/"))
    decider.fill("#id_token", current_code(device))
    decider.click("main button[type=submit]")
    decider.wait_for_url(f"{base}/review/{app.pk}/")
    accessible(decider, checked)
    decider.click("main a:has-text('Send a prior notice')")
    decider.wait_for_url(re.compile(rf"/review/{app.pk}/sanctions/notice/$"))
    accessible(decider, checked)
    decider.check("#id_measure_0")  # suspension
    decider.click("main form button[type=submit]")  # no grounds, no period: refused
    expect(decider.locator(".error-summary")).to_be_visible()
    accessible(decider, checked)
    decider.fill("#id_period_days", "30")
    decider.fill("#id_grounds", "Robots ran at night against condition 2, three times in May.")
    decider.click("main form button[type=submit]")
    decider.wait_for_url(f"{base}/review/{app.pk}/")
    decider.wait_for_selector("text=The prior notice was sent")

    # The measure cannot be taken yet: the page says until when.
    decider.goto(f"{base}/review/{app.pk}/sanctions/notices/1/")
    expect(decider.locator("text=may give its opinion on prior notice 1 until")).to_be_visible()
    accessible(decider, checked)

    # The company reads the notice and answers with its opinion.
    company = new_page(browser)
    sign_in(company, base, "applicant", f"/apply/{app.pk}/")
    company.wait_for_url(f"{base}/apply/{app.pk}/")
    accessible(company, checked)
    company.click("main a:has-text('Read the notice and answer')")
    company.wait_for_url(re.compile(rf"/apply/{app.pk}/sanctions/notices/1/$"))
    accessible(company, checked)
    company.fill("#id_text", "The night runs were a scheduling error; a curfew lock is installed.")
    company.click("main form button[type=submit]")
    company.wait_for_url(f"{base}/apply/{app.pk}/")
    company.wait_for_selector("text=Your opinion was sent to the ministry.")

    # With the opinion in, the decision maker suspends with a period and cure steps.
    decider.goto(f"{base}/review/{app.pk}/sanctions/notices/1/")
    accessible(decider, checked)
    decider.check("#id_assessment_outcome_2")  # not accepted
    decider.fill("#id_assessment", "The lock is not yet verified by an inspection.")
    decider.fill("#id_reason", "Repeated breach of condition 2.")
    decider.fill("#id_cure_steps", "Install a curfew lock\nFile an inspection report")
    decider.click("main form button[type=submit]")
    decider.wait_for_url(f"{base}/review/{app.pk}/")
    decider.wait_for_selector("text=The measure was taken")
    assert Application.objects.get(pk=app.pk).status == S.SUSPENDED

    # The company requests resumption with evidence of the cure.
    company.goto(f"{base}/apply/{app.pk}/")
    accessible(company, checked)
    company.click("main a:has-text('Request resumption')")
    company.wait_for_url(re.compile(rf"/apply/{app.pk}/sanctions/resumption/$"))
    accessible(company, checked)
    company.fill("#id_evidence", "Lock installed on 3 June; inspection report attached.")
    company.click("main form button[type=submit]")
    company.wait_for_selector("text=Your request was sent")

    # The decision maker resumes.
    decider.goto(f"{base}/review/{app.pk}/")
    decider.click("main a:has-text('Resume or extend the suspension')")
    decider.wait_for_url(re.compile(rf"/review/{app.pk}/sanctions/suspension/$"))
    expect(decider.locator("text=Lock installed on 3 June")).to_be_visible()
    accessible(decider, checked)
    decider.check("#id_decision_0")  # lift
    decider.fill("#id_reason", "The inspection confirms the lock works.")
    decider.click("main form button[type=submit]")
    decider.wait_for_url(f"{base}/review/{app.pk}/")
    decider.wait_for_selector("text=The suspension was decided")
    assert Application.objects.get(pk=app.pk).status == S.ACTIVE

    # Each step's letter: downloaded by the company, then checked on /verify/ signed out.
    issue_all(app)
    letters = {
        letter.kind: letter
        for letter in Letter.objects.filter(
            application=app, kind__in=["prior_notice", "suspension", "resumption"]
        )
    }
    assert set(letters) == {"prior_notice", "suspension", "resumption"}
    company.goto(f"{base}/apply/{app.pk}/")
    checker = new_page(browser)
    checker.goto(base + "/")
    checker.select_option("#language-select", "en")
    checker.click(".language-form button")
    for kind, letter in letters.items():
        with company.expect_download() as info:
            company.click(f"main a[href='/letters/{letter.number}/download/']")
        saved = Path(tmp_path / f"{kind}.pdf")
        info.value.save_as(saved)
        text = pdf_text(saved)
        assert letter.number in text and world.organization.name in text
        if kind == "suspension":  # it cites the notice and the opinion, and its period
            assert "curfew lock is installed" in text and "정지 기간" in text
        checker.goto(f"{base}/verify/{letter.number}/")
        checker.set_input_files("#id_file", str(saved))
        checker.click("main form[enctype='multipart/form-data'] button[type=submit]")
        expect(checker.get_by_text("This is the letter we issued"), kind).to_be_visible()
    accessible(checker, checked)
    assert len(checked) >= 10
