"""A new company completes the richer application form in a real browser (Debian chromium
through Playwright, live server), in English at 320 px and in Korean at 390 px: the track
guidance, its company profile and a partner, a regulation with its three parts typed and carried
by "Save and continue", a KPI with its target, the submission, and the read-only copy of what it
submitted. axe-core checks every page for serious or critical violations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from applications.models import Application, CoApplicant, Membership, Organization
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from tests.browser import chromium
from tests.builders import build_world
from tests.factories import make_user
from tests.portal import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()

TEXTS = {
    "en": {
        "locale": "en-GB",
        "width": 320,
        "title": "Delivery robots",
        "contact": "Kim Minji",
        "partner": "Hanbit Mobility",
        "provision": "Vehicles may not drive on pavements.",
        "exemption": "Robots up to 5 km/h on pavements",
        "target": "at most 1 per 1,000 km",
        "heading": "Your application as submitted",
        "read": "Read everything you submitted",
        "who": "Who decides",
    },
    "ko": {
        "locale": "ko-KR",
        "width": 390,
        "title": "배송 로봇",
        "contact": "김민지",
        "partner": "한빛모빌리티",
        "provision": "차마는 보도를 통행할 수 없다.",
        "exemption": "시속 5km 이하 로봇의 보도 통행 허용",
        "target": "1,000km당 1회 이하",
        "heading": "제출한 신청서",
        "read": "제출한 내용 전체 보기",
        "who": "결정",
    },
}


@pytest.fixture
def world():
    world = build_world()
    world.exemption.required_document_types = ["business_plan"]
    world.exemption.help = "실증특례: 제한된 조건에서 실제 시장에서 시험합니다."
    world.exemption.help_en = "Demonstration exemption: a limited real-market test."
    world.exemption.save()
    return world


def accessible(page, width: int) -> None:
    page.wait_for_load_state()  # the page a click may have started loading
    results = AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at {width} px by {overflow} px"


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_new_company_completes_the_richer_form_and_reads_its_submitted_copy(
    browser, live_server, world, language
):
    words = TEXTS[language]
    width = words["width"]
    organization = Organization.objects.create(
        name="Robotics Lab" if language == "en" else "로보틱스랩",
        registration_number="220-81-99990",
        representative="Kim Minji",
        address="Seoul",
        language=language,
    )
    user = make_user(Role.APPLICANT, organization=organization, username=f"new_{language}")
    assert Membership.objects.filter(user=user, organization=organization).exists()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=words["locale"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    page.select_option("#language-select", language)
    page.click(".language-form button")
    # Signed in as the company's member (sign-up itself is the applicant journey's).
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + "/apply/new/")
    assert words["who"] in page.content()
    accessible(page, width)
    page.check(f"input[name=track][value='{world.exemption.pk}']")
    page.fill("#id_title", words["title"])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/step/service/$"))
    page.fill("#id_summary", "Robots deliver parcels inside apartment complexes.")
    page.fill("#id_service_description", "Robots use the pavement.")
    page.fill("#id_technology_description", "Lidar and remote monitoring.")
    page.fill("#id_problem_solved", "Couriers walk every parcel to the door.")
    page.fill("#id_existing_offers", "Parcel lockers at the entrance.")
    accessible(page, width)
    page.click("button[name=save]")

    page.wait_for_url(re.compile(r"/step/company/$"))
    page.select_option("#id_company_size", "small")
    page.check("#id_is_startup")
    page.fill("#id_founded_on", "2021-03-15")
    page.fill("#id_employees", "12")
    page.fill("#id_contact_person", words["contact"])
    page.fill("#id_contact_phone", "not a phone")
    page.fill("#id_partner-name", words["partner"])
    page.fill("#id_partner-registration_number", "220-81-62517")
    page.fill("#id_partner-role", "Operates the control room")
    page.click("button[name=save]")
    page.wait_for_selector(".error-summary")  # the phone is refused, nothing is lost
    assert page.input_value("#id_partner-name") == words["partner"]
    accessible(page, width)
    page.fill("#id_contact_phone", "02-1234-5678")
    page.click("button[name=save]")  # "Save and continue" carries the typed partner
    page.wait_for_url(re.compile(r"/step/regulations/$"))
    assert CoApplicant.objects.get().name == words["partner"]

    page.fill("#id_statute", "Road Traffic Act")
    page.fill("#id_article", "Art. 13-2")
    page.fill("#id_requirement", words["provision"])
    page.fill("#id_reason", "Robots count as vehicles.")
    page.fill("#id_exemption_requested", words["exemption"])
    accessible(page, width)
    page.click("button[name=continue]")  # typed, then "Save and continue": added, not dropped
    page.wait_for_url(re.compile(r"/step/scope/$"))
    page.fill("#id_requested_term_days", "365")
    page.fill("#id_region", "Seoul, Gangnam")
    page.fill("#id_scale", "20 robots")
    page.fill("#id_max_users", "5000")
    page.fill("#id_item-name", "Near misses")
    page.fill("#id_item-unit", "count")
    page.fill("#id_item-method", "Control-room log")
    page.fill("#id_item-frequency", "daily")
    page.fill("#id_item-target", words["target"])
    accessible(page, width)
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
    page.click("button[name=continue]")  # a chosen file is uploaded on "Save and continue"
    page.wait_for_url(re.compile(r"/step/declarations/$"))
    page.check("#id_declaration_truthful")
    page.check("#id_declaration_consent")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/check/$"))
    accessible(page, width)
    page.click("main form button[type=submit]")
    app = Application.objects.get(organization=organization)
    page.wait_for_url(re.compile(rf"/apply/{app.pk}/$"))
    app.refresh_from_db()
    assert app.status == S.SUBMITTED

    page.click(f"text={words['read']}")
    page.wait_for_url(re.compile(rf"/apply/{app.pk}/submitted/$"))
    text = page.content()
    for expected in (
        words["heading"],
        words["contact"],
        "02-1234-5678",
        words["partner"],
        words["provision"],
        words["exemption"],
        words["target"],
        "plan.pdf",
    ):
        assert expected in text, expected
    accessible(page, width)
    context.close()
