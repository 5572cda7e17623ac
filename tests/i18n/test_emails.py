"""Emails go out in the language of the application (or the one chosen at sign-up), whatever
language the person who caused them was browsing in; dates follow that language too."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse
from django.utils import translation

from applications import services
from tests.builders import draft
from tests.portal.test_accounts import SIGN_UP

EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}


def test_the_receipt_for_a_korean_application_is_in_korean_even_from_an_english_session(
    world, django_capture_on_commit_callbacks
):
    app = draft(world, language="ko")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=app, by=world.applicant)
    (message,) = mail.outbox
    app.refresh_from_db()
    assert message.subject == f"신청서가 접수되었습니다(접수번호 {app.reference})"
    assert "신청해 주셔서 감사합니다." in message.body
    assert f"접수번호: {app.reference}" in message.body
    assert "진행 상태: 접수" in message.body
    assert "received" not in message.body and "Reference" not in message.body
    html = message.alternatives[0][0]
    assert '<html lang="ko">' in html and "신청서가 접수되었습니다" in html


def test_a_supplement_request_to_a_korean_applicant_gives_the_deadline_as_a_korean_date(
    world, django_capture_on_commit_callbacks
):
    app = draft(world, language="ko")
    services.application_submit(application=app, by=world.applicant)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["시험성적서"]
        )
    (message,) = mail.outbox
    app.refresh_from_db()
    due = app.program.local_date(app.supplement_due_at)
    assert message.subject.startswith("[조치 필요] 신청서 보완 요청")
    assert f"기한: {due.year}년 {due.month}월 {due.day}일" in message.body
    assert "보완 요청 사항:\n  1. 시험성적서" in message.body


def test_the_verification_email_follows_the_language_chosen_at_sign_up_not_the_browser(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {**SIGN_UP, "language": "ko"}, **EN)
    (message,) = mail.outbox
    assert message.subject == "이메일 주소 인증"
    assert "이메일 주소를 인증해 주십시오" in message.body
    assert "Confirm" not in message.body


def test_the_password_reset_email_is_in_the_language_of_the_page_it_was_asked_from(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": world.applicant.email}, **KO)
        client.post(reverse("password_reset"), {"email": world.applicant.email}, **EN)
    korean, english = mail.outbox
    assert re.search(r"[\uac00-\ud7a3]", korean.subject) and "비밀번호" in korean.body
    assert not re.search(r"[\uac00-\ud7a3]", english.subject + english.body)
