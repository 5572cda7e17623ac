"""The case page and the actions open to the applicant: answer a supplement request with
files, withdraw (with confirmation), reconsideration, insurance, extension, law amendment."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import AuditEvent, ExtensionRequest, InsuranceProof, LawAmendmentRequest
from applications.workflow import ApplicationStatus as S
from documents.models import Document
from tests.builders import drive
from tests.portal import samples


def test_the_case_page_shows_timeline_deadline_and_the_open_actions(client, world):
    app = drive(world, S.SUPPLEMENT_REQUESTED)
    client.force_login(world.applicant)
    page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert app.reference in page
    assert "The ministry asked for more information." in page
    assert "시험성적서" in page  # the deficiency
    assert "Your answer is due by this date" in page
    assert reverse("application-answer-supplement", args=[app.pk]) in page
    assert reverse("application-withdraw", args=[app.pk]) in page
    assert reverse("application-extension", args=[app.pk]) not in page


def test_answering_a_supplement_request_with_files(client, world):
    app = drive(world, S.SUPPLEMENT_REQUESTED)
    client.force_login(world.applicant)
    url = reverse("application-answer-supplement", args=[app.pk])
    response = client.post(
        url,
        {
            "message": "Test report attached",
            "version": app.version,
            "attachments": [
                SimpleUploadedFile("report.pdf", samples.PDF),
                SimpleUploadedFile("photo.png", samples.PNG),
            ],
        },
    )
    assert response.url == reverse("application-detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert sorted(Document.objects.values_list("original_name", flat=True)) == [
        "photo.png",
        "report.pdf",
    ]
    assert app.supplement_requests.get().answer_message == "Test report attached"


def test_a_bad_file_in_a_supplement_answer_stores_nothing_and_keeps_the_request_open(client, world):
    app = drive(world, S.SUPPLEMENT_REQUESTED)
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-answer-supplement", args=[app.pk]),
        {
            "message": "Here you go",
            "version": app.version,
            "attachments": [
                SimpleUploadedFile("report.pdf", samples.PDF),
                SimpleUploadedFile("evil.pdf", samples.HTML),
            ],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a file type we accept" in page and "Here you go" in page
    app.refresh_from_db()
    assert app.status == S.SUPPLEMENT_REQUESTED
    assert not Document.objects.exists()


def test_withdrawing_needs_confirmation(client, world):
    app = drive(world, S.SUBMITTED)
    client.force_login(world.applicant)
    url = reverse("application-withdraw", args=[app.pk])
    response = client.post(url, {"reason": "Pivoted", "version": app.version})
    assert response.status_code == 400
    assert "Confirm that you want to withdraw." in response.content.decode()
    response = client.post(url, {"reason": "Pivoted", "version": app.version, "confirm": "on"})
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    assert AuditEvent.objects.filter(application=app, action="withdraw").get().payload == {
        "reason": "Pivoted"
    }
    assert client.get(url).url == reverse("application-detail", args=[app.pk])


def test_requesting_reconsideration_of_a_rejection(client, world):
    app = drive(world, S.REJECTED)
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-reconsideration", args=[app.pk]),
        {"reason": "New safety data", "version": app.version},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.DELIBERATION


def test_adding_insurance_proof_with_a_certificate_after_approval(client, world):
    app = drive(world, S.APPROVED)
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-insurance", args=[app.pk]),
        {
            "insurer": "Hanil",
            "policy_number": "P-9",
            "coverage_start": app.term_start.isoformat(),
            "coverage_end": app.term_end.isoformat(),
            "insured_amount": "100000000",
            "certificate": SimpleUploadedFile("certificate.pdf", samples.PDF),
        },
    )
    assert response.status_code == 302
    assert InsuranceProof.objects.get(application=app).policy_number == "P-9"
    assert Document.objects.get(application=app).doc_type == "insurance"


def test_requesting_an_extension_and_a_law_amendment_while_active(client, world):
    app = drive(world, S.ACTIVE)
    client.force_login(world.applicant)
    new_end = app.term_end + dt.timedelta(days=100)
    response = client.post(
        reverse("application-extension", args=[app.pk]),
        {"new_end": new_end.isoformat(), "reason": "More sites"},
    )
    assert response.status_code == 302
    assert ExtensionRequest.objects.get(application=app).new_end == new_end
    response = client.post(
        reverse("application-law-amendment", args=[app.pk]), {"reason": "Amend Art. 2"}
    )
    assert response.status_code == 302
    assert LawAmendmentRequest.objects.get(application=app).reason == "Amend Art. 2"


def test_an_extension_beyond_the_track_limit_is_explained_next_to_the_field(client, world):
    app = drive(world, S.ACTIVE)
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-extension", args=[app.pk]),
        {"new_end": (app.term_end + dt.timedelta(days=900)).isoformat(), "reason": "Longer"},
    )
    assert response.status_code == 400
    assert "An extension may add at most 730 days." in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_actions_not_open_in_the_current_state_send_the_person_back(client, world):
    app = drive(world, S.SUBMITTED)
    client.force_login(world.applicant)
    response = client.post(reverse("application-extension", args=[app.pk]), {"reason": "x"})
    assert response.url == reverse("application-detail", args=[app.pk])
