"""Every value a person reads is its label in the page's language: a crawl of every page each
demo persona can reach by following links, in Korean and in English, that fails on raw enum
values, role codes, usernames, ministry codes, English ministry names or ISO dates on Korean
pages, and a statutory deadline still shown after a case has left review."""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import translation

from applications.models import Application, Ministry
from applications.workflow import ApplicationStatus as S
from demo.seed import USERS
from tests.i18n.test_pages import visible_text
from tests.reviews.helpers import signed_in

# What these check is rendered output; the PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.rendering

OUR_APPS = (
    "applications",
    "documents",
    "accounts",
    "supervision",
    "committees",
    "notifications",
    "portal",
    "reviews",
    "api",
    "core",
)
LANGUAGES = {"ko": "ko-KR,ko;q=0.9", "en": "en-GB,en;q=0.9"}
START = {
    "applicant": ["/apply/", "/accounts/organisation/"],
    "staff": ["/review/", "/review/deadlines/", "/review/committees/"],
}
# Never followed: other surfaces (admin, API, language switch), signing out, the second factor,
# static files; only HTML pages are read.
SKIP = re.compile(r"^/(admin|api|i18n|static|media)/|^/accounts/logout|/2fa/")
# Links that only change a list's order, page or filter are read a few times each, not all.
QUERY_SAMPLES = 2
# The statutory deadline belongs to review: from submission to the decision.
IN_REVIEW = {S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.DELIBERATION}
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
CASE_PAGE = re.compile(r"^/(review|apply)/(\d+)/$")


def _text_choices(base: type = models.TextChoices) -> Iterator[type[models.TextChoices]]:
    sub: type[models.TextChoices]
    for sub in base.__subclasses__():
        yield sub
        yield from _text_choices(sub)


def raw_codes() -> set[str]:
    """Every enum value of ours that is a code, not a word (``agree_with_conditions``)."""
    return {
        str(value)
        for choices in _text_choices()
        if choices.__module__.split(".")[0] in OUR_APPS
        for value in choices.values
        if "_" in str(value)
    }


def _words(values: set[str]) -> re.Pattern[str]:
    alternation = "|".join(sorted((re.escape(v) for v in values), key=len, reverse=True))
    # not inside a longer word, nor a file's name (``business_plan.pdf`` is data)
    return re.compile(rf"(?<![\w-])({alternation})(?!\.?[\w-])")


@dataclass
class Crawl:
    client: Client
    language: str
    seen: set[str] = field(default_factory=set)
    shapes: Counter[str] = field(default_factory=Counter)
    pages: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def admit(self, url: str) -> bool:
        if url in self.seen or SKIP.search(url):
            return False
        path, _, query = url.partition("?")
        if query:
            keys = sorted(part.partition("=")[0] for part in query.split("&"))
            shape = re.sub(r"\d+", "N", path) + "?" + "&".join(keys)
            if self.shapes[shape] >= QUERY_SAMPLES:
                return False
            self.shapes[shape] += 1
        self.seen.add(url)
        return True

    def run(self, start: list[str]) -> None:
        queue = deque(u for u in start if self.admit(u))
        while queue:
            url = queue.popleft()
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=LANGUAGES[self.language])
            if response.status_code >= 500:
                self.errors.append(f"{url}: {response.status_code}")
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            self.pages[url] = page
            for href in re.findall(r'href="([^"#]+)', page):
                link = html.unescape(href)
                if link.startswith("/") and self.admit(link):
                    queue.append(link)


def problems_on(url: str, page: str, language: str, checks: dict[str, object]) -> list[str]:
    text = visible_text(page)
    found = []
    for name, pattern in checks["everywhere"].items():  # type: ignore[attr-defined]
        for hit in sorted(set(pattern.findall(text))):
            found.append(f"{name} {hit!r}")
    if language == "ko":
        for name, pattern in checks["korean"].items():  # type: ignore[attr-defined]
            for hit in sorted(set(pattern.findall(text))):
                found.append(f"{name} {hit!r}")
    case = CASE_PAGE.match(url)
    if case and case[1] == "review":
        status = Application.objects.get(pk=case[2]).status
        with translation.override(language):
            deadline = str(translation.gettext("Statutory deadline"))
        if status not in IN_REVIEW and deadline in text:
            found.append(f"statutory deadline shown on a {status} case")
    return [f"[{language}] {url}: {problem}" for problem in found]


def test_no_page_any_demo_persona_reaches_shows_an_internal_code(db, settings):
    settings.LANGUAGE_CODE = "ko"
    call_command("seed_demo")
    usernames = {name for name, *_rest in USERS} | {"admin"}
    ministries = list(Ministry.objects.all())
    checks = {
        "everywhere": {
            "raw code": _words(raw_codes()),
            "username": _words({u for u in usernames if re.search(r"[\d_]", u)} | {"decider"}),
        },
        "korean": {
            "username": _words(usernames),
            "ministry code": _words({m.code for m in ministries}),
            "English ministry name": _words({m.name_en for m in ministries if m.name_en}),
            "ISO date": ISO_DATE,
        },
    }
    problems: list[str] = []
    visited = 0
    for username, role, *_rest in USERS:
        user = User.objects.get(username=username)
        if role == "applicant":
            client = Client()
            client.force_login(user)
            start = START["applicant"]
        else:  # a code is good once: one session for both languages
            client = signed_in(user)
            start = START["staff"]
        for language in LANGUAGES:
            crawl = Crawl(client, language)
            crawl.run(start)
            visited += len(crawl.pages)
            problems += crawl.errors
            for url, page in crawl.pages.items():
                problems += [f"{username} {p}" for p in problems_on(url, page, language, checks)]
    print(f"{visited} pages read")
    assert visited > 200
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_checks_find_what_they_look_for(db):
    checks = {
        "everywhere": {"raw code": _words(raw_codes()), "username": _words({"officer_fsc"})},
        "korean": {"ISO date": ISO_DATE, "ministry code": _words({"MOLIT"})},
    }
    page = (
        "<p>의견: agree_with_conditions, 담당 officer_fsc, MOLIT 협의, 2026-05-12 접수</p>"
        '<a href="/x">business_plan.pdf</a><input value="2026-05-12">'
    )
    found = problems_on("/x/", page, "ko", checks)
    assert sorted(p.split(": ", 1)[1] for p in found) == [
        "ISO date '2026-05-12'",
        "ministry code 'MOLIT'",
        "raw code 'agree_with_conditions'",
        "username 'officer_fsc'",
    ]
    assert problems_on("/x/", page, "en", checks) == [
        "[en] /x/: raw code 'agree_with_conditions'",
        "[en] /x/: username 'officer_fsc'",
    ]
