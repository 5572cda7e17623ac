"""Letter pages: the permission-checked download, the case page, the public check page."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from applications.workflow import ApplicationStatus as S
from documents.issuing import letter_issue
from documents.letter_data import check_path
from documents.models import Letter
from documents.services import letter_correct
from documents.storage import letter_pdf_path
from tests.builders import World, build_world, drive
from tests.documents.helpers import approved_case, issue_all
from tests.factories import pass_second_factor

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def shared(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, Any, Letter]]:
    """One world with one issued letter for the read-only page tests of this module, inside a
    transaction rolled back at the end (each test runs in a savepoint within it)."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                world = build_world()
                app = approved_case(world)
                (letter,) = issue_all(app)
                yield world, app, letter
                raise _Rollback
        except _Rollback:
            pass


@pytest.fixture
def issued(shared, db):
    return shared[1], shared[2]


@pytest.fixture
def world(shared, db):
    return shared[0]


def test_the_applicant_downloads_the_sealed_pdf(client, world, issued):
    _app, letter = issued
    client.force_login(world.applicant)
    response = client.get(reverse("letter-download", args=[letter.number]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == letter.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f'filename="{letter.number}.pdf"' in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("persona", ["officer", "decider", "auditor"])
def test_staff_who_see_the_case_download_it_too(client, world, issued, persona):
    _, letter = issued
    pass_second_factor(client, world.persona(persona))
    assert client.get(reverse("letter-download", args=[letter.number])).status_code == 200


@pytest.mark.parametrize("persona", ["other_applicant", "foreign_officer"])
def test_others_get_404(client, world, issued, persona):
    _, letter = issued
    pass_second_factor(client, world.persona(persona))
    assert client.get(reverse("letter-download", args=[letter.number])).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, issued):
    _, letter = issued
    response = client.get(reverse("letter-download", args=[letter.number]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_pending_letter_is_listed_as_being_prepared_and_cannot_be_downloaded(client, world):
    app = drive(world, S.APPROVED)
    letter = Letter.objects.get(application=app)
    client.force_login(world.applicant)
    page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert letter.number in page and "being prepared" in page
    assert reverse("letter-download", args=[letter.number]) not in page
    assert client.get(reverse("letter-download", args=[letter.number])).status_code == 404


def test_the_case_page_links_issued_letters_and_marks_superseded_ones(client, world, issued):
    app, letter = issued
    new = letter_issue(letter=letter_correct(letter=letter, by=world.decider, reason="정정"))
    client.force_login(world.applicant)
    page = client.get(reverse("application-detail", args=[app.pk])).content.decode()
    assert reverse("letter-download", args=[letter.number]) in page
    assert reverse("letter-download", args=[new.number]) in page
    assert f"corrected by {new.number}" in page


def test_the_verify_page_shows_only_authority_kind_date_and_company(client, world, issued):
    app, letter = issued
    # The letter's code opens its details (the number alone shows nothing: test_verify.py).
    page = client.get(check_path(letter.number, letter.verification_code)).content.decode()
    assert letter.number in page
    assert world.organization.name in page
    assert "과학기술정보통신부장관" in page
    assert "Designation (approval)" in page
    for private in (
        "시속 5km",  # a condition
        world.organization.representative,
        world.organization.registration_number,
        world.organization.address,
        app.title,
        letter.sha256,
    ):
        assert private not in page


def test_the_verify_page_confirms_a_matching_hash_or_file(client, issued):
    _, letter = issued
    url = reverse("letter-verify", args=[letter.number])
    response = client.post(url, {"sha256": letter.sha256.upper()})
    assert "This is the letter we issued" in response.content.decode()
    upload = SimpleUploadedFile("l.pdf", letter_pdf_path(letter).read_bytes(), "application/pdf")
    response = client.post(url, {"file": upload})
    assert "This is the letter we issued" in response.content.decode()


def test_the_verify_page_reports_a_mismatch(client, issued):
    _, letter = issued
    url = reverse("letter-verify", args=[letter.number])
    tampered = letter_pdf_path(letter).read_bytes() + b"\n"
    response = client.post(url, {"file": SimpleUploadedFile("l.pdf", tampered)})
    assert "This does not match the letter we issued" in response.content.decode()
    response = client.post(url, {"sha256": "0" * 64})
    assert "This does not match" in response.content.decode()


def test_the_verify_page_explains_bad_input(client, issued):
    _, letter = issued
    url = reverse("letter-verify", args=[letter.number])
    page = client.post(url, {"sha256": "xyz"}).content.decode()
    assert "64 characters" in page and "This is the letter" not in page
    page = client.post(url, {}).content.decode()
    assert "one of them" in page


def test_the_verify_page_knows_no_pending_or_unknown_letters(client, world):
    app = drive(world, S.APPROVED)
    pending = Letter.objects.get(application=app)
    assert client.get(check_path(pending.number, pending.verification_code)).status_code == 404
    assert client.get(check_path("ICT-1999-00001-L1", pending.verification_code)).status_code == 404


def test_a_decision_maker_orders_a_corrected_letter_from_its_page(client, world, issued):
    app, letter = issued
    pass_second_factor(client, world.decider)
    url = reverse("letter-correct", args=[letter.number])
    assert "Issue a corrected letter" in client.get(url).content.decode()
    page = client.post(url, {"reason": ""}).content.decode()
    assert "error-message" in page
    assert Letter.objects.filter(application=app).count() == 1
    response = client.post(url, {"reason": "대표자 성명 정정"})
    assert response.status_code == 302
    new = Letter.objects.get(supersedes=letter)
    assert new.number == f"{app.reference}-L2" and new.correction_reason == "대표자 성명 정정"
    page = client.get(url).content.decode()
    assert new.number in page and "Issue a corrected letter" not in page


@pytest.mark.parametrize(
    ("persona", "status"), [("applicant", 403), ("officer", 403), ("other_applicant", 404)]
)
def test_others_cannot_correct_letters(client, world, issued, persona, status):
    _, letter = issued
    pass_second_factor(client, world.persona(persona))
    url = reverse("letter-correct", args=[letter.number])
    assert client.get(url).status_code == status
    assert client.post(url, {"reason": "정정"}).status_code == status
    assert not Letter.objects.filter(supersedes=letter).exists()
