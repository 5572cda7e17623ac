"""The richer application form (issue 16a): the company profile kept on the organisation and
copied into each submission, co-applicants, the provision / why it blocks / exemption requested
of each regulation, KPI targets that reach supervision's reports, nothing typed dropped whichever
button is pressed, "(optional)" exactly where submission does not ask, and the read-only copy of
what was submitted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import sections, services, workflow
from applications.models import Application, AuditEvent, CoApplicant, DataItem, RegulationConcerned
from applications.selectors import application_submission_problems
from applications.services.drafts import DRAFT_FIELDS
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
from documents.models import Document
from tests.builders import draft
from tests.portal import samples

pytestmark = pytest.mark.django_db

PROFILE = {
    "company_size": "small",
    "is_startup": "on",
    "founded_on": "2021-03-15",
    "employees": "12",
    "key_people": "김하늘 대표 (로봇공학 박사)",
    "licences": "위치정보사업 신고",
    "contact_person": "박서준",
    "contact_phone": "02-1234-5678",
}
PARTNER = {
    "partner-name": "한빛모빌리티",
    "partner-registration_number": "220-81-62517",
    "partner-role": "로봇 관제센터 운영",
}
REGULATION = {
    "statute": "도로교통법",
    "article": "제13조의2",
    "requirement": "차마는 보도를 통행할 수 없다.",
    "reason": "배송 로봇이 차마로 분류되어 보도를 다닐 수 없다.",
    "exemption_requested": "시속 5km 이하 로봇의 보도 통행 허용",
}


def url(app, step):
    return reverse("application-step", args=[app.pk, step])


def texts(response) -> str:
    return response.content.decode()


# --- company profile -----------------------------------------------------------------------------


def test_the_company_page_saves_the_profile_on_the_organisation_and_prefills_the_next_draft(
    client, world
):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(url(app, "company"), {**PROFILE, "save": ""})
    assert response.url == url(app, "regulations")
    org = world.organization
    org.refresh_from_db()
    assert (org.company_size, org.is_startup, org.founded_on, org.employees) == (
        "small",
        True,
        dt.date(2021, 3, 15),
        12,
    )
    assert (org.contact_person, org.contact_phone) == ("박서준", "02-1234-5678")
    event = AuditEvent.objects.get(application=app, action="company_profile_updated")
    assert "contact_phone" in event.payload["fields"]
    second = draft(world, title="두 번째 서비스")
    page = texts(client.get(url(second, "company")))
    assert 'value="박서준"' in page and 'value="02-1234-5678"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "call me", "Enter a phone number with 8 to 15 digits"),
        ("contact_phone", "123", "Enter a phone number with 8 to 15 digits"),
        ("founded_on", "2099-01-01", "The founding date cannot be in the future"),
        ("employees", "-3", "The number of employees cannot be negative."),
    ],
)
def test_a_bad_profile_is_refused_next_to_the_field_and_nothing_is_saved(
    client, world, field, value, message
):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(
        url(app, "company"),
        {**PROFILE, **PARTNER, field: value, "save": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert message in texts(response)
    world.organization.refresh_from_db()
    assert world.organization.contact_person == ""
    assert not CoApplicant.objects.exists()


def test_the_profile_rules_are_the_services_too(world):
    with pytest.raises(InvalidInput) as error:
        services.organization_profile_update(
            organization=world.organization,
            by=world.applicant,
            founded_on=timezone.localdate() + dt.timedelta(days=1),
            employees=-1,
            contact_phone="abc",
        )
    assert set(error.value.errors) == {"founded_on", "employees", "contact_phone"}


def test_the_korean_page_explains_a_bad_phone_in_korean(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    client.cookies["django_language"] = "ko"
    response = client.post(
        url(app, "company"), {**PROFILE, "contact_phone": "전화"}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 400
    assert "전화번호" in texts(response)


def test_the_submitted_case_keeps_the_profile_it_was_submitted_with(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    client.post(url(app, "company"), {**PROFILE, "save": ""})
    services.application_submit(application=app, by=world.applicant)
    services.organization_profile_update(
        organization=world.organization, by=world.applicant, contact_person="이도윤", employees=40
    )
    app.refresh_from_db()
    assert app.company_profile["contact_person"] == "박서준"
    assert app.company_profile["employees"] == 12
    assert app.company_profile["founded_on"] == "2021-03-15"
    page = texts(client.get(reverse("application-submitted", args=[app.pk])))
    assert "박서준" in page and "이도윤" not in page


# --- co-applicants -------------------------------------------------------------------------------


@pytest.mark.parametrize("button", ["save", "save_and_exit", "add_partner"])
def test_a_typed_partner_is_added_whichever_button_is_pressed(client, world, button):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(url(app, "company"), {**PROFILE, **PARTNER, button: ""})
    assert response.status_code == 302
    partner = CoApplicant.objects.get(application=app)
    assert (partner.name, partner.registration_number, partner.role) == (
        "한빛모빌리티",
        "220-81-62517",
        "로봇 관제센터 운영",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"partner-registration_number": ""}, "registration_number"),
        ({"partner-registration_number": "12/34"}, "registration_number"),
        ({"partner-role": ""}, "role"),
        ({"partner-name": ""}, "name"),
    ],
)
def test_a_half_typed_partner_is_refused_with_its_message_not_dropped(client, world, change, field):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(url(app, "company"), {**PROFILE, **PARTNER, **change, "save": ""})
    assert response.status_code == 400
    assert f'id="id_partner-{field}-error"' in texts(response)
    assert not CoApplicant.objects.exists()
    world.organization.refresh_from_db()
    assert world.organization.contact_person == ""  # one transaction: nothing half-saved


def test_a_partner_is_removed_from_the_draft(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    client.post(url(app, "company"), {**PROFILE, **PARTNER, "add_partner": ""})
    partner = CoApplicant.objects.get()
    response = client.post(url(app, "company"), {**PROFILE, "remove_partner": str(partner.pk)})
    assert response.url == url(app, "company")
    assert not CoApplicant.objects.exists()
    assert AuditEvent.objects.filter(application=app, action="co_applicant_removed").exists()


# --- regulations: three separate fields, nothing dropped ---------------------------------------


@pytest.mark.parametrize(
    ("button", "onward"), [("continue", "scope"), ("save_and_exit", None), ("add", "regulations")]
)
def test_a_typed_regulation_is_added_whichever_button_is_pressed(client, world, button, onward):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(url(app, "regulations"), {**REGULATION, button: ""})
    assert response.status_code == 302
    assert response.url == (url(app, onward) if onward else reverse("apply-dashboard"))
    added = RegulationConcerned.objects.filter(application=app).order_by("-pk").first()
    assert (added.requirement, added.reason, added.exemption_requested) == (
        REGULATION["requirement"],
        REGULATION["reason"],
        REGULATION["exemption_requested"],
    )


def test_a_half_typed_regulation_stops_save_and_continue_with_a_message(client, world):
    app = draft(world)
    before = app.regulations.count()
    client.force_login(world.applicant)
    response = client.post(
        url(app, "regulations"),
        {"statute": "도로교통법", "continue": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    page = texts(response)
    assert 'id="id_article-error"' in page and 'id="id_reason-error"' in page
    assert 'value="도로교통법"' in page  # what was typed is still there
    assert app.regulations.count() == before


def test_an_empty_regulation_form_lets_the_person_move_on(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(url(app, "regulations"), {"competent_ministry": "", "continue": ""})
    assert response.url == url(app, "scope")


# --- documents: a chosen file is never dropped --------------------------------------------------


def test_a_chosen_file_is_uploaded_when_the_person_saves_and_continues(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(
        url(app, "documents"),
        {
            "doc_type": "business_plan",
            "file": SimpleUploadedFile("plan.pdf", samples.PDF),
            "continue": "",
        },
    )
    assert response.url == url(app, "declarations")
    assert Document.objects.get(application=app).original_name == "plan.pdf"


def test_a_bad_file_with_save_and_continue_is_refused_with_a_message(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.post(
        url(app, "documents"),
        {
            "doc_type": "business_plan",
            "file": SimpleUploadedFile("plan.pdf", b"<html>not a pdf</html>"),
            "continue": "",
        },
    )
    assert response.status_code == 400
    assert 'id="id_file-error"' in texts(response)
    assert not Document.objects.exists()


# --- optional means optional ---------------------------------------------------------------------

LABEL = re.compile(r'<label for="id_([a-z_]+)">([^<]*)(<span class="optional">)?')


@pytest.mark.parametrize("track", ["exemption", "confirmation"])
def test_optional_marking_and_the_submission_check_agree_on_every_step(client, world, track):
    chosen = world.exemption if track == "exemption" else world.confirmation
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=world.program,
        track=chosen,
        title="빈 신청서",
    )
    missing = set(application_submission_problems(application=app))
    client.force_login(world.applicant)
    seen: dict[str, bool] = {}
    for step in sections.steps_for(app):
        page = texts(client.get(url(app, step.slug)))
        for name, _label, optional in LABEL.findall(page):
            seen[name] = bool(optional)
    # the application's own fields (the title is required on every save, so never optional)
    fields = {name: opt for name, opt in seen.items() if name in DRAFT_FIELDS and name != "title"}
    assert len(fields) > 10, "the steps show the application's fields"
    for name, optional in fields.items():
        assert optional == (name not in missing), name
    required = workflow.fields_required_for_submission(chosen)
    assert required - {"declaration_truthful", "declaration_consent"} <= set(seen)


# --- KPIs reach supervision ------------------------------------------------------------------------


def test_a_kpi_target_typed_on_the_scope_page_is_kept(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    app.refresh_from_db()
    client.post(
        url(app, "scope"),
        {
            "version": app.version,
            "item-name": "보행자 근접 정지",
            "item-unit": "회",
            "item-method": "관제 로그",
            "item-frequency": "매일",
            "item-target": "1,000km당 1회 이하",
            "save": "",
        },
    )
    assert DataItem.objects.get(application=app).target == "1,000km당 1회 이하"


# --- the read-only copy of what was submitted ---------------------------------------------------


def test_the_submitted_copy_shows_everything_the_application_said(client, world):
    app = draft(
        world,
        problem_solved="택배 기사의 단지 내 도보 배송 부담",
        existing_offers="기존 택배함",
        max_users=25000,
        insured_amount=1_000_000_000,
    )
    client.force_login(world.applicant)
    client.post(url(app, "company"), {**PROFILE, "employees": "1200", **PARTNER, "save": ""})
    client.post(url(app, "regulations"), {**REGULATION, "add": ""})
    services.data_item_add(
        application=app,
        by=world.applicant,
        name="운행 거리",
        unit="km",
        method="주행 기록계",
        frequency="매일",
        target="월 500km",
    )
    client.post(
        url(app, "documents"),
        {"doc_type": "business_plan", "file": SimpleUploadedFile("plan.pdf", samples.PDF)},
    )
    services.application_submit(application=app, by=world.applicant)
    detail = texts(client.get(reverse("application-detail", args=[app.pk])))
    copy_url = reverse("application-submitted", args=[app.pk])
    assert copy_url in detail
    page = texts(client.get(copy_url))
    for expected in [
        "택배 기사의 단지 내 도보 배송 부담",
        "기존 택배함",
        "박서준",
        "02-1234-5678",
        "한빛모빌리티",
        "220-81-62517",
        REGULATION["requirement"],
        REGULATION["exemption_requested"],
        "월 500km",
        "plan.pdf",
        "25,000",  # numbers and amounts as the reader writes them
        "1,200",
        "KRW 1,000,000,000",
    ]:
        assert expected in page, expected
    assert url(app, "service") not in page  # read-only: no "Change" links


def test_the_submitted_copy_of_another_organisations_case_is_a_404(client, world):
    app = draft(world)
    services.application_submit(application=app, by=world.applicant)
    client.force_login(world.other_applicant)
    assert client.get(reverse("application-submitted", args=[app.pk])).status_code == 404


def test_a_draft_has_no_submitted_copy_yet(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    response = client.get(reverse("application-submitted", args=[app.pk]))
    assert response.url == reverse("application-check", args=[app.pk])
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


def test_the_profile_page_edits_the_organisation_outside_any_application(client, world):
    client.force_login(world.applicant)
    organisation_page = client.get(reverse("organization")).content.decode()
    assert reverse("company-profile") in organisation_page
    response = client.post(reverse("company-profile"), PROFILE)
    assert response.url == reverse("company-profile")
    world.organization.refresh_from_db()
    assert world.organization.contact_phone == "02-1234-5678"
    event = AuditEvent.objects.get(action="company_profile_updated")
    assert event.application is None and event.payload["organization"] == world.organization.pk
    refused = client.post(
        reverse("company-profile"), {**PROFILE, "employees": "-1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 400
    assert "The number of employees cannot be negative." in texts(refused)


def test_staff_have_no_company_profile_page(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("company-profile")).status_code == 404


# --- two members editing the profile at once ----------------------------------------------------


def _version_on(page) -> str:
    found = re.search(r'name="profile_version" value="(\d+)"', page.content.decode())
    assert found, "the page carries the profile's version"
    return found.group(1)


def test_a_colleagues_newer_profile_is_not_overwritten_from_the_profile_page(client, world):
    from django.test import Client

    from tests.factories import make_user

    colleague = make_user("applicant", organization=world.organization, username="colleague")
    client.force_login(world.applicant)
    other = Client()
    other.force_login(colleague)
    mine = _version_on(client.get(reverse("company-profile")))
    theirs = _version_on(other.get(reverse("company-profile")))
    assert mine == theirs
    saved = other.post(
        reverse("company-profile"),
        {**PROFILE, "contact_person": "이도윤", "profile_version": theirs},
    )
    assert saved.status_code == 302
    stale = client.post(
        reverse("company-profile"),
        {**PROFILE, "contact_person": "박서준", "profile_version": mine},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stale.status_code == 409
    assert "saved the company profile after you opened this page" in texts(stale)
    world.organization.refresh_from_db()
    assert world.organization.contact_person == "이도윤"  # the colleague's save stands
    # What I typed is still on the page, now at the current version: saving again is a choice.
    assert 'value="박서준"' in stale.content.decode()
    again = _version_on(stale)
    assert int(again) == world.organization.profile_version > int(mine)
    resaved = client.post(
        reverse("company-profile"),
        {**PROFILE, "contact_person": "박서준", "profile_version": again},
    )
    assert resaved.status_code == 302
    world.organization.refresh_from_db()
    assert world.organization.contact_person == "박서준"
    assert AuditEvent.objects.filter(action="company_profile_updated").count() == 2


def test_a_colleagues_newer_profile_is_not_overwritten_from_a_drafts_company_page(client, world):
    app = draft(world)
    client.force_login(world.applicant)
    opened = _version_on(client.get(url(app, "company")))
    services.organization_profile_update(
        organization=world.organization, by=world.applicant, employees=40
    )
    stale = client.post(
        url(app, "company"),
        {**PROFILE, **PARTNER, "profile_version": opened, "save": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stale.status_code == 409
    assert "saved the company profile after you opened this page" in texts(stale)
    world.organization.refresh_from_db()
    assert world.organization.employees == 40
    assert not CoApplicant.objects.filter(application=app).exists()  # one transaction: nothing
    assert 'value="한빛모빌리티"' in stale.content.decode()  # the partner typed is kept too


def test_the_profile_service_refuses_a_stale_version_and_counts_each_change(world):
    from core.errors import StaleVersion

    org = world.organization
    start = org.profile_version
    services.organization_profile_update(
        organization=org, by=world.applicant, expected_version=start, employees=5
    )
    org.refresh_from_db()
    assert org.profile_version == start + 1
    # Saving what is already there changes nothing, not even the version.
    services.organization_profile_update(
        organization=org, by=world.applicant, expected_version=start + 1, employees=5
    )
    org.refresh_from_db()
    assert org.profile_version == start + 1
    with pytest.raises(StaleVersion):
        services.organization_profile_update(
            organization=org, by=world.applicant, expected_version=start, employees=6
        )
    org.refresh_from_db()
    assert org.employees == 5
