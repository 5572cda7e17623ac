"""Supervision in a real browser (Debian chromium through Playwright, live server): the company
files its quarterly report and reports an incident; the officer asks for a revision; the
company resubmits; the officer accepts. Both work at 320 px; axe-core finds no serious or
critical violation on any page on the way, and nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.twofactor import current_code
from supervision.models import Incident, Report, ReportStatus
from tests.browser import chromium
from tests.builders import World, build_world
from tests.e2e.test_applicant_journey import accessible
from tests.supervision.helpers import active, at, seoul_midnight, supervised

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"  # the factories' password


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, width: int = 320) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Any, base: str, username: str, target: str) -> None:
    page.goto(base + "/")
    page.select_option("#language-select", "en")
    page.click(".language-form button")
    page.goto(base + target)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_quarterly_report_and_an_incident_revised_and_accepted(browser, live_server):
    base = live_server.url
    world: World = build_world()
    supervised(world)
    today = world.today
    start = today - dt.timedelta(days=100)
    with at(seoul_midnight(start) + dt.timedelta(hours=10)):  # approved the day it began
        app = active(world, start=start, end=start + dt.timedelta(days=729))
    report = Report.objects.filter(application=app).order_by("due_on").first()
    assert report is not None and report.period_end < today <= report.due_on
    device = TOTPDevice.objects.create(user=world.officer, name="Authenticator app", confirmed=True)
    checked: list[str] = []

    # The company sees its schedule and files the first quarter's report.
    company = new_page(browser)
    sign_in(company, base, "applicant", f"/apply/{app.pk}/")
    company.wait_for_url(f"{base}/apply/{app.pk}/")
    accessible(company, checked)
    company.click("main a:has-text('Submit the report')")
    company.wait_for_url(re.compile(rf"/apply/{app.pk}/reports/{report.pk}/$"))
    accessible(company, checked)
    company.click("main form button[type=submit]")  # nothing filled in: the error summary
    expect(company.locator(".error-summary")).to_be_visible()
    accessible(company, checked)
    for item in app.data_items.all():
        company.fill(f"#id_value_{item.pk}", "41")
    company.fill("#id_users_served", "120")
    company.fill("#id_transactions", "480")
    company.fill("#id_complaints", "1")
    company.fill("#id_complaints_summary", "Noise at night; route changed.")
    company.click("main form button[type=submit]")
    company.wait_for_url(re.compile(rf"/apply/{app.pk}/$"))
    company.wait_for_selector("text=Your report was submitted.")
    accessible(company, checked)

    # …and reports an incident (serious: the ministry is emailed at once).
    local = timezone.localtime(timezone.now(), app.program.tz)
    company.click("main a:has-text('Report an incident')")
    company.wait_for_url(re.compile(rf"/apply/{app.pk}/incidents/new/$"))
    accessible(company, checked)
    company.check("#id_category_0")
    company.check("#id_severity_0")
    company.fill("#id_occurred_at", (local - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    company.fill("#id_detected_at", (local - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    company.fill("#id_affected_users", "1")
    company.fill("#id_description", "A robot touched a pedestrian's bag.")
    company.fill("#id_actions_taken", "Robot stopped; operator called the pedestrian.")
    company.click("main form button[type=submit]")
    company.wait_for_selector("text=The incident was reported to the ministry.")
    accessible(company, checked)
    incident = Incident.objects.get()
    assert incident.is_serious and not incident.late

    # The officer finds both in the supervision tab and asks for a revision.
    officer = new_page(browser)
    sign_in(officer, base, "officer", "/review/?tab=supervision")
    officer.wait_for_url(re.compile(r"/review/2fa/verify/"))
    officer.fill("#id_token", current_code(device))
    officer.click("main button[type=submit]")
    officer.wait_for_url(re.compile(r"/review/\?tab=supervision$"))
    accessible(officer, checked)
    officer.click(f"main table a:has-text('{app.reference}')")
    officer.wait_for_url(re.compile(rf"/review/{app.pk}/$"))
    expect(officer.locator("text=Serious incident 1 is open.")).to_be_visible()
    accessible(officer, checked)
    officer.goto(f"{base}/review/{app.pk}/reports/{report.pk}/")
    accessible(officer, checked)
    officer.check("#id_decision_1")  # ask for a revision
    officer.click("main form button[type=submit]")  # without reasons: refused
    expect(officer.locator(".error-summary")).to_be_visible()
    accessible(officer, checked)
    officer.fill("#id_reasons", "Give the near-miss count per site.")
    officer.click("main form button[type=submit]")
    officer.wait_for_url(re.compile(rf"/review/{app.pk}/$"))
    officer.goto(f"{base}/review/{app.pk}/incidents/{incident.pk}/")
    accessible(officer, checked)
    officer.check("#id_step_0")  # acknowledge
    officer.click("main form button[type=submit]")
    officer.wait_for_selector("text=The incident was updated.")

    # The company reads the reasons and resubmits.
    company.goto(f"{base}/apply/{app.pk}/")
    company.click("main a:has-text('Revise and resubmit')")
    company.wait_for_selector("text=Give the near-miss count per site.")
    accessible(company, checked)
    for item in app.data_items.all():
        company.fill(f"#id_value_{item.pk}", "41 (site A 30, site B 11)")
    company.fill("#id_users_served", "120")
    company.fill("#id_transactions", "480")
    company.fill("#id_complaints", "1")
    company.fill("#id_complaints_summary", "Noise at night; route changed.")
    company.click("main form button:has-text('Resubmit the report')")
    company.wait_for_selector("text=Your report was submitted.")

    # The officer accepts.
    officer.goto(f"{base}/review/{app.pk}/reports/{report.pk}/")
    officer.check("#id_decision_0")
    officer.click("main form button[type=submit]")
    officer.wait_for_url(re.compile(rf"/review/{app.pk}/$"))
    accessible(officer, checked)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert [f.outcome for f in report.submissions.order_by("number")] == [
        "revision_requested",
        "accepted",
    ]
    company.goto(f"{base}/apply/{app.pk}/")
    assert company.locator("main .tag-ok:has-text('Accepted')").count() >= 1
    accessible(company, checked)
    assert len(checked) >= 14
