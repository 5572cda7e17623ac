"""The applicant's pages come out in Korean or English as the person chooses: by the browser's
Accept-Language, by the language switcher on every page (which wins over the browser), and in
Korean when nothing says otherwise (the product's default)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from applications import sections
from applications.workflow import ApplicationStatus as S
from sandbox import settings as product_settings
from tests.builders import draft, drive

KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}

# Page → (a Korean heading, the same heading in English).
ACCOUNT_PAGES = [
    ("signup", "회원가입", "Create an account"),
    ("login", "로그인", "Sign in"),
    ("password_reset", "비밀번호 재설정", "Reset your password"),
]

# Latin words that may stay on a Korean page: file formats, codes in the test data, and
# "English" as the name of a language choice (languages are named in their own language).
LATIN_ALLOWED = {"PDF", "HWP", "HWPX", "DOCX", "XLSX", "PNG", "JPEG", "ICT", "English"}


def visible_text(page: str) -> str:
    """The text a person reads: no tags, scripts, styles, values shown as code (the open data's
    field values) or the English option of the language switcher (which names English in
    English, as it should)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<code\b.*?</code>", " ", page, flags=re.S)  # data shown as data
    page = re.sub(r'<option[^>]*lang="en"[^>]*>.*?</option>', " ", page, flags=re.S)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    # Email addresses and reference numbers are data, not wording.
    return re.sub(r"\S+@\S+|\b[A-Z]+-\d{4}-\d+\b", " ", page)


def latin_words(page: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", visible_text(page)))
    return {w for w in words if w not in LATIN_ALLOWED}


@pytest.mark.parametrize(("name", "korean", "english"), ACCOUNT_PAGES)
def test_account_pages_follow_the_browsers_language(client, db, name, korean, english):
    ko = client.get(reverse(name), **KO).content.decode()
    en = client.get(reverse(name), **EN).content.decode()
    assert '<html lang="ko">' in ko and korean in ko and english not in ko
    assert '<html lang="en">' in en and english in en and korean not in en


def test_without_any_language_preference_pages_are_in_the_products_default_korean(client, db):
    assert product_settings.LANGUAGE_CODE == "ko"
    with override_settings(LANGUAGE_CODE=product_settings.LANGUAGE_CODE):
        page = client.get(reverse("signup")).content.decode()
    assert '<html lang="ko">' in page and "회원가입" in page


def test_the_dashboard_is_in_korean_with_programme_and_track_names_in_korean(client, world):
    draft(world)
    client.force_login(world.applicant)
    ko = client.get(reverse("apply-dashboard"), **KO).content.decode()
    en = client.get(reverse("apply-dashboard"), **EN).content.decode()
    assert "내 신청" in ko and "새 신청 시작" in ko and "작성 중" in ko
    assert f"{world.program.name} — {world.exemption.name}" in ko
    assert "Your applications" in en and "Start a new application" in en and "Draft" in en
    assert f"{world.program.name_en} — {world.exemption.name_en}" in en
    assert world.exemption.name not in en


def test_the_language_switcher_on_every_page_changes_the_language_and_stays_on_the_page(client, db):
    signup = reverse("signup")
    page = client.get(signup, **EN).content.decode()
    form = re.search(
        r'<form action="([^"]+)" method="post" class="language-form">(.*?)</form>', page, re.S
    )
    assert form and form.group(1) == reverse("set_language")
    assert f'name="next" type="hidden" value="{signup}"' in form.group(2)
    assert re.search(r'<label for="language-select"[^>]*>Language</label>', form.group(2))
    options = re.findall(
        r'<option value="(\w+)" lang="\w+"( selected)?>([^<]+)</option>', form.group(2)
    )
    assert options == [("ko", "", "한국어"), ("en", " selected", "English")]

    response = client.post(reverse("set_language"), {"language": "ko", "next": signup}, **EN)
    assert response.status_code == 302 and response.url == signup
    # The choice wins over the browser's English from now on, on every page.
    assert "회원가입" in client.get(signup, **EN).content.decode()
    assert "로그인" in client.get(reverse("login"), **EN).content.decode()
    switched = client.get(signup, **EN).content.decode()
    assert re.search(r'<option value="ko" lang="ko" selected>', switched)
    assert re.search(r'<label for="language-select"[^>]*>언어</label>', switched)

    client.post(reverse("set_language"), {"language": "en", "next": signup}, **KO)
    assert "Create an account" in client.get(signup, **KO).content.decode()


def test_the_switcher_refuses_a_language_the_service_does_not_offer(client, db):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"}, **KO)
    assert '<html lang="ko">' in client.get(reverse("signup"), **KO).content.decode()


def test_no_english_is_left_on_the_korean_pages_of_the_applicants_journey(client, world):
    """Catches text that was never marked for translation (the catalog test cannot see it)."""
    world.applicant.last_name, world.applicant.first_name = "김", "민지"  # shown in the header
    world.applicant.save()
    editing = draft(world)
    submitted = drive(world, S.SUPPLEMENT_REQUESTED)
    anonymous = [reverse(name) for name, _, _ in ACCOUNT_PAGES] + [reverse("home")]
    signed_in = [
        reverse("apply-dashboard"),
        reverse("application-start"),
        reverse("organization"),
        *[
            reverse("application-step", args=[editing.pk, s.slug])
            for s in sections.steps_for(editing)
        ],
        reverse("application-check", args=[editing.pk]),
        reverse("application-detail", args=[submitted.pk]),
        reverse("application-answer-supplement", args=[submitted.pk]),
        reverse("application-withdraw", args=[submitted.pk]),
    ]
    leftovers = {}
    for url in anonymous:
        leftovers[url] = latin_words(client.get(url, **KO).content.decode())
    client.force_login(world.applicant)
    for url in signed_in:
        response = client.get(url, **KO)
        assert response.status_code == 200, url
        leftovers[url] = latin_words(response.content.decode())
    assert {url: words for url, words in leftovers.items() if words} == {}
