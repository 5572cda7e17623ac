"""Another organisation's applicant gets 404 on every case and document URL; anonymous people
are sent to sign in; staff are not applicants here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.workflow import ApplicationStatus as S
from documents.services import document_upload
from tests.builders import drive
from tests.factories import pass_second_factor
from tests.portal import samples

CASE_URLS = [
    "application-detail",
    "application-check",
    "application-answer-supplement",
    "application-withdraw",
    "application-reconsideration",
    "application-insurance",
    "application-extension",
    "application-law-amendment",
]
STEPS = ["service", "regulations", "scope", "safety", "insurance", "documents", "declarations"]


def case_urls(app):
    urls = [reverse(name, args=[app.pk]) for name in CASE_URLS]
    urls += [reverse("application-step", args=[app.pk, step]) for step in STEPS]
    return urls


@pytest.fixture
def case_with_file(world):
    app = drive(world, S.DRAFT)
    document = document_upload(
        application=app, by=world.applicant, doc_type="business_plan", file=("p.pdf", [samples.PDF])
    )
    return app, document


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_applicant_gets_404_on_every_case_url(
    client, world, case_with_file, method
):
    app, document = case_with_file
    client.force_login(world.other_applicant)
    urls = case_urls(app)
    if method == "post":  # the case page itself is read-only
        urls.remove(reverse("application-detail", args=[app.pk]))
    if method == "post":  # these two accept POST only
        urls.append(reverse("regulation-remove", args=[app.pk, app.regulations.get().pk]))
        urls.append(reverse("document-remove", args=[app.pk, document.pk]))
    for url in urls:
        response = getattr(client, method)(url, {"version": app.version})
        assert response.status_code == 404, url
    app.refresh_from_db()
    assert app.status == S.DRAFT and app.regulations.count() == 1


def test_another_organisations_applicant_gets_404_for_the_document(client, world, case_with_file):
    _app, document = case_with_file
    client.force_login(world.other_applicant)
    assert client.get(reverse("document-download", args=[document.pk])).status_code == 404


def test_the_owner_downloads_the_file_as_an_attachment_never_sniffed(client, world, case_with_file):
    _app, document = case_with_file
    client.force_login(world.applicant)
    response = client.get(reverse("document-download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_the_case_officer_of_the_lead_ministry_may_download_but_not_a_foreign_one(client, world):
    app = drive(world, S.DRAFT)
    document = document_upload(
        application=app, by=world.applicant, doc_type="business_plan", file=("p.pdf", [samples.PDF])
    )
    from applications import services

    services.application_submit(application=app, by=world.applicant)
    url = reverse("document-download", args=[document.pk])
    pass_second_factor(client, world.officer)  # staff need it for files too (tests/accounts/)
    assert client.get(url).status_code == 200
    pass_second_factor(client, world.foreign_officer)
    assert client.get(url).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, world, case_with_file):
    app, document = case_with_file
    urls = [
        reverse("apply-dashboard"),
        reverse("application-start"),
        reverse("organization"),
        reverse("document-download", args=[document.pk]),
        *case_urls(app),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url


def test_staff_are_told_the_portal_is_for_applicants(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("apply-dashboard"))
    assert response.status_code == 403
    assert "This area is for applicants" in response.content.decode()


def test_staff_get_404_on_portal_case_pages(client, world):
    app = drive(world, S.SUBMITTED)
    client.force_login(world.officer)
    assert client.get(reverse("application-detail", args=[app.pk])).status_code == 404
