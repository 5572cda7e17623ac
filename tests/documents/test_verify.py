"""The public letter check: a letter number alone shows nothing (no list of letters by walking
numbers); the verification code printed on the letter — or the PDF itself — opens its details
and where its decision stands now (in force, superseded by a correction, ended by a later act
with its date and letter); lookups are throttled per source address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.workflow import ApplicationStatus as S
from documents import verification
from documents.issuing import letter_issue
from documents.letter_data import check_path, letter_input
from documents.models import Letter
from documents.services import letter_correct
from documents.standing import StandingState, letter_standing
from documents.storage import letter_pdf_path
from tests.builders import drive, sanction
from tests.documents.helpers import activate, approved_case, issue_all, pdf_text

pytestmark = pytest.mark.django_db


def _strip_number(page: str, number: str) -> str:
    """The page with the asked-for number (and the form token) taken out."""
    page = page.replace(number, "NUMBER")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_a_number_alone_shows_nothing_and_cannot_tell_issued_from_unknown(world, client):
    app = approved_case(world)
    (letter,) = issue_all(app)
    issued = client.get(reverse("letter-verify", args=[letter.number]))
    unknown = client.get(reverse("letter-verify", args=["ICT-2026-99999-L1"]))
    assert issued.status_code == unknown.status_code == 200
    page = issued.content.decode()
    for shown_only_with_the_code in (
        world.organization.name,
        "Designation (approval)",
        "과학기술정보통신부장관",
        "In force",
    ):
        assert shown_only_with_the_code not in page
    assert _strip_number(page, letter.number) == _strip_number(
        unknown.content.decode(), "ICT-2026-99999-L1"
    )
    assert "verification code" in page


def test_the_code_opens_the_letter_and_a_wrong_code_answers_like_an_unknown_number(world, client):
    app = approved_case(world)
    (letter,) = issue_all(app)
    opened = client.get(
        check_path(letter.number, letter.verification_code.lower().replace("-", " "))
    )
    assert opened.status_code == 200
    page = opened.content.decode()
    assert world.organization.name in page and "Designation (approval)" in page
    assert "In force" in page and "No later decision has changed or ended it." in page
    wrong = client.get(check_path(letter.number, verification.new_code()))
    nowhere = client.get(check_path("ICT-2026-99999-L1", letter.verification_code))
    assert wrong.status_code == nowhere.status_code == 404
    for response in (wrong, nowhere):
        body = response.content.decode()
        assert "No letter we issued has this number and code." in body
        assert world.organization.name not in body
    malformed = client.get(check_path(letter.number, "12"))
    assert malformed.status_code == 404 and "12 letters and digits" in malformed.content.decode()


def test_the_lookup_form_takes_number_and_code_and_sends_you_to_the_letter(world, client):
    app = approved_case(world)
    (letter,) = issue_all(app)
    start = client.get(reverse("letter-verify-start")).content.decode()
    assert 'name="number"' in start and 'name="code"' in start and 'type="file"' in start
    response = client.get(
        reverse("letter-verify-start"),
        {"number": letter.number.lower(), "code": letter.verification_code},
    )
    assert response.status_code == 302
    assert response["Location"] == check_path(letter.number, letter.verification_code)
    bad = client.get(reverse("letter-verify-start"), {"number": "<script>", "code": ""})
    assert bad.status_code == 400 and "<script>" not in bad.content.decode()


def test_uploading_the_pdf_alone_finds_the_letter(world, client):
    app = approved_case(world)
    (letter,) = issue_all(app)
    pdf = letter_pdf_path(letter).read_bytes()
    response = client.post(
        reverse("letter-verify-start"), {"file": SimpleUploadedFile("x.pdf", pdf)}
    )
    page = response.content.decode()
    assert "This is the letter we issued" in page and letter.number in page
    assert world.organization.name in page
    altered = client.post(
        reverse("letter-verify-start"), {"file": SimpleUploadedFile("x.pdf", pdf + b" ")}
    ).content.decode()
    assert "We did not issue this file" in altered and world.organization.name not in altered


def test_the_letter_prints_its_code_and_its_qr_code_carries_it(world):
    app = approved_case(world)
    (letter,) = issue_all(app)
    text = pdf_text(letter_pdf_path(letter))
    assert letter.verification_code in text
    assert "확인 코드" in text  # a Korean letter: the Korean label, English beside the heading
    data = letter_input(letter, issued_at=letter.issued_at)
    assert data.context["verification"]["code"] == letter.verification_code
    assert verification.normalised(letter.verification_code) == letter.verification_code
    assert len(Letter.objects.values_list("verification_code", flat=True).distinct()) == 1


def test_codes_are_random_and_forgiving_to_read():
    codes = {verification.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert verification.normalised("7kq2 m9xd 4htr") == "7KQ2-M9XD-4HTR"
    assert verification.normalised("OIL0-0000-0000") == "0110-0000-0000"
    assert verification.normalised("7KQ2-M9XD") is None
    assert verification.normalised("UUUU-UUUU-UUUU") is None
    assert not verification.matches("anything", "")


def test_every_character_of_a_code_takes_every_letter_of_the_alphabet():
    """Each of the twelve characters is drawn from all 32 letters (five bits each of one random
    number): over 2,000 codes a letter missing at any place has a chance of 1 in 10^25."""
    raws = [verification.new_code().replace("-", "") for _ in range(2000)]
    for place in range(verification.LENGTH):
        assert {raw[place] for raw in raws} == set(verification.ALPHABET), place


def test_after_a_revocation_the_approval_letter_says_it_ended_with_the_date_and_letter(
    world, client
):
    app = approved_case(world)
    activate(world, app)
    later = timezone.now() + dt.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        sanction(world, app, "revoke", "조건 위반")  # after its prior notice and opinion
    approval, _notice, revocation = issue_all(app)
    standing = letter_standing(approval)
    assert standing.state == StandingState.ENDED and not standing.in_force
    assert standing.act is not None and standing.act.kind == "revocation"
    assert standing.act.on == app.program.local_date(later) and standing.act.letter == revocation
    page = client.get(check_path(approval.number, approval.verification_code)).content.decode()
    assert "No longer in force" in page and "Ended by a later decision: Revocation on" in page
    assert f"That decision's letter is {revocation.number}." in page
    assert letter_standing(revocation).state == StandingState.IN_FORCE


def test_after_expiry_the_approval_letter_says_it_ended_with_the_expiry_notice(world):
    app = drive(world, S.EXPIRED)
    approval, expiry = issue_all(app)
    standing = letter_standing(approval)
    assert standing.state == StandingState.ENDED
    assert standing.act.kind == "expiry" and standing.act.letter == expiry


def test_a_corrected_letter_is_superseded_and_links_to_its_correction(world, client):
    app = approved_case(world)
    (letter,) = issue_all(app)
    correction = letter_correct(letter=letter, by=world.decider, reason="대표자 성명 정정")
    assert letter_standing(letter).state == StandingState.IN_FORCE  # not until it is issued
    correction = letter_issue(letter=correction)
    standing = letter_standing(letter)
    assert standing.state == StandingState.SUPERSEDED and standing.superseded_by == correction
    page = client.get(check_path(letter.number, letter.verification_code)).content.decode()
    assert "Superseded by a corrected letter" in page
    link = check_path(correction.number, correction.verification_code).replace("&", "&amp;")
    assert f'href="{link}"' in page
    assert letter_standing(correction).state == StandingState.IN_FORCE


def test_suspension_extension_law_amendment_and_reconsideration_read_right(world):
    suspended = drive(world, S.SUSPENDED)
    approval, _notice, suspension = issue_all(suspended)
    assert letter_standing(approval).state == StandingState.SUSPENDED
    assert letter_standing(suspension).state == StandingState.IN_FORCE
    services.application_resume(application=suspended, by=world.decider, reason="조사 종료")
    approval.refresh_from_db()
    suspension.refresh_from_db()
    assert letter_standing(suspension).state == StandingState.ENDED
    assert letter_standing(suspension).act.kind == "resumption"
    assert letter_standing(approval).state == StandingState.IN_FORCE

    continuing = drive(world, S.CONTINUING)
    approval, _continuation = issue_all(continuing)
    assert letter_standing(approval).state == StandingState.CONTINUING
    assert letter_standing(approval).in_force

    active = approved_case(world)
    activate(world, active)
    new_end = active.term_end + dt.timedelta(days=90)
    request = services.extension_request_file(
        application=active, by=world.applicant, new_end=new_end, reason="추가 실증"
    )
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=True, reason="타당"
    )
    approval, _extension = issue_all(active)
    assert letter_standing(approval).extended_to == new_end

    rejected = drive(world, S.REJECTED)
    (rejection,) = issue_all(rejected)
    assert letter_standing(rejection).state == StandingState.IN_FORCE
    services.application_request_reconsideration(
        application=rejected, by=world.applicant, reason="보완 자료 제출"
    )
    start, end = world.today, world.today + dt.timedelta(days=365)
    services.application_approve(
        application=rejected,
        by=world.decider,
        committee_reference="재심의",
        term_start=start,
        term_end=end,
    )
    _rejection, approval = issue_all(rejected)
    standing = letter_standing(rejection)
    assert standing.state == StandingState.REPLACED and standing.act.letter == approval


def test_lookups_are_throttled_per_source_address(world, client, settings):
    settings.VERIFY_THROTTLE_RATE = "3/min"
    url = check_path("ICT-2026-00001-L1", verification.new_code())
    codes = [client.get(url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    refused = client.get(url, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many requests" in refused.content.decode()
    posted = client.post(
        reverse("letter-verify", args=["ICT-2026-00001-L1"]),
        {"sha256": "0" * 64},
        REMOTE_ADDR="203.0.113.9",
    )
    assert posted.status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.4").status_code == 404
    # The page without a code costs nothing (it shows nothing).
    plain = reverse("letter-verify", args=["ICT-2026-00001-L1"])
    assert client.get(plain, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_check_pages_are_never_cached_or_indexed(world, client):
    response = client.get(reverse("letter-verify-start"))
    assert response["Cache-Control"] == "no-store" and response["X-Robots-Tag"] == "noindex"
