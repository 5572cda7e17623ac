"""Item 11 of the second security review, for every web (non-API) page: each parser of client
input fails closed. The walk visits every URL pattern of the site for each kind of person, with
hostile query strings, hostile path parameters, and every field of each page's own forms filled
with hostile values (a page that refuses the person outright gets one hostile query and one
hostile post, enough to show the refusal comes before any input is read); no answer may be a
server error (the API's inputs are tested with its
schema, tests/api/test_schema.py). Run on SQLite and on PostgreSQL (which refuses NUL bytes)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from applications.workflow import ApplicationStatus as S
from documents.services import document_upload
from reviews.actions import BY_SLUG
from tests.builders import drive
from tests.documents.helpers import issue_all
from tests.factories import pass_second_factor
from tests.portal import samples
from tests.urlwalk import concrete_urls

# Each stands for a kind: NUL (PostgreSQL refuses it), a number too large for the database,
# digits that str.isdigit accepts and int() does not, an impossible date, an overlong text.
HOSTILE = ["\x00", "9" * 30, "²", "2026-13-45", "x" * 5000]
QUERY_NAMES = ["tab", "page", "days", "v", "next", "status", "track", "program", "assignee"]
QUERY_NAMES += ["overdue", "q", "sort", "format", "language", "month", "step"]
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.IGNORECASE)
STEPS = [
    "service",
    "company",
    "regulations",
    "scope",
    "safety",
    "insurance",
    "documents",
    "declarations",
]
PERSONAS = ["anonymous", "applicant", "officer", "decider"]
REFUSED = {302, 403, 404}


def client_for(world, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        pass_second_factor(client, world.persona(name))
    return client


@pytest.fixture
def cases(world):
    draft = drive(world, S.DRAFT)
    document = document_upload(
        application=draft,
        by=world.applicant,
        doc_type="business_plan",
        file=("p.pdf", [samples.PDF]),
    )
    deliberation = drive(world, S.DELIBERATION)
    active = drive(world, S.ACTIVE)
    letter = next(letter for letter in issue_all(active) if letter.is_issued)
    return {
        "cases": [draft, drive(world, S.UNDER_REVIEW), deliberation, active],
        "document": document,
        "letter": letter,
    }


def urls_for(cases) -> list[str]:
    urls: set[str] = set()
    for case in cases["cases"]:
        values = {
            "pk": str(case.pk),
            "document_pk": str(cases["document"].pk),
            "document-download:pk": str(cases["document"].pk),
            "regulation_pk": str(case.regulations.first().pk),
            "number": cases["letter"].number,
            "reference": str(case.reference or "x"),
        }
        for slug in BY_SLUG:
            urls.update(concrete_urls({**values, "slug": slug}))
        for step in STEPS:
            urls.update(concrete_urls({**values, "step": step}))
    # Hostile path parameters.
    urls.update(
        concrete_urls(
            {
                "pk": "9" * 25,
                "document_pk": "9" * 25,
                "regulation_pk": "9" * 25,
                "number": "%00",
                "reference": "%00",
                "token": "%00",
                "slug": "x",
                "step": "x",
            }
        )
    )
    return sorted(u for u in urls if not u.startswith(("/api/", "/admin/")))


def test_no_page_answers_a_server_error_to_hostile_input(world, cases):
    problems: list[str] = []
    for name in PERSONAS:
        client = client_for(world, name)
        for url in urls_for(cases):
            page = client.get(url)
            if page.status_code >= 500:
                problems.append(f"{name} GET {url}: {page.status_code}")
            # Refused outright (sign in first, forbidden, not yours): the view answers before it
            # reads any input, so one hostile query and one hostile post show it stays so.
            refused = page.status_code in REFUSED
            for value in HOSTILE[:1] if refused else HOSTILE[:3]:
                query = urlencode({key: value for key in QUERY_NAMES})
                response = client.get(f"{url}?{query}")
                if response.status_code >= 500:
                    problems.append(f"{name} GET {url}?…={value[:12]!r}: {response.status_code}")
            html = "" if page.streaming else page.content.decode(errors="replace")
            fields = set(FIELD.findall(html))
            fields.discard("csrfmiddlewaretoken")
            for value in HOSTILE if fields and not refused else HOSTILE[:1]:
                response = client.post(url, {field: value for field in fields or {"x"}})
                if response.status_code >= 500:
                    problems.append(f"{name} POST {url} {value[:12]!r}: {response.status_code}")
            if name != "anonymous" and "_auth_user_id" not in client.session:
                client = client_for(world, name)  # the walk signed out (logout page)
    assert not problems, "\n".join(sorted(set(problems)))
