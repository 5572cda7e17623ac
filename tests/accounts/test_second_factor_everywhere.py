"""Item 1 of the second security review: every staff power needs a verified second factor on
every surface. The walk below visits every URL pattern of the site (pages, downloads, letter
actions, the API through the browser's session, the admin) with a password-only session of each
kind of staff member, GET and POST, and fails on any answer that acts (a row written anywhere) or
reveals (a page an anonymous visitor does not get, a file, or the case's private text)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from applications.workflow import ApplicationStatus as S
from documents.models import Letter
from documents.services import document_upload
from register.services import statistics_refresh
from tests.builders import World, drive
from tests.documents.helpers import issue_all
from tests.factories import UserFactory, pass_second_factor
from tests.portal import samples
from tests.reviews.helpers import signed_in
from tests.urlwalk import concrete_urls

SECRET_TITLE = "QX-SECRET-TITLE-7731"
SECRET_FILE_NAME = "qx-secret-plan-7731.pdf"
# Tables that change on every visit without anyone acting: the session store and the lockout
# bookkeeping. Everything else must stay as it was.
QUIET_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
# The pages where a person finishes signing in: they answer a signed-in staff member, not the
# anonymous visitor, and show nothing of any case.
SECOND_FACTOR_PAGES = {"/review/2fa/setup/", "/review/2fa/verify/"}
STAFF = ("officer", "decider", "auditor", "consultee", "operator")
# What the walk asks is the access rules, which the database does not change (each page's own
# queries run on both databases in its own tests): on SQLite it walks as every kind of staff
# member, in the PostgreSQL pass of make test as the case officer only (docs/foundation.md).
WALKERS = ("officer",) if os.environ.get("SANDBOX_TEST_PASS") == "postgres" else STAFF


def row_counts() -> dict[str, int]:
    """How many rows every table of ours and of the libraries holds, in one query."""
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)} - QUIET_TABLES
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = cursor.fetchone()
    return dict(zip(tables, values, strict=True))


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.fixture
def site(world: World) -> dict[str, Any]:
    """A decided case with a file, a sealed letter and the private text the walk looks for."""
    app = drive(world, S.ACTIVE)
    app.title = SECRET_TITLE  # the walk looks for this text; set before any page reads it
    type(app).objects.filter(pk=app.pk).update(title=SECRET_TITLE)
    document = document_upload(
        application=app,
        by=world.applicant,
        doc_type="other",
        file=(SECRET_FILE_NAME, [samples.PDF]),
    )
    letter = next(letter for letter in issue_all(app) if letter.is_issued)
    operator = UserFactory.create(username="operator", is_staff=True, is_superuser=True)
    statistics_refresh()  # the public statistics keep a snapshot; one exists before the walk
    values = {
        "pk": str(app.pk),
        "document_pk": str(document.pk),
        "document-download:pk": str(document.pk),  # the route's ``pk`` is the document's
        "regulation_pk": str(app.regulations.get().pk),
        "number": letter.number,
        "slug": "approve",
        "step": "service",
        "token": "x",
        "uidb64": "x",
        "object_id": str(app.pk),
        "app_label": "applications",
        "reference": str(app.reference),
    }
    return {"app": app, "letter": letter, "values": values, "operator": operator}


def site_urls(values: dict[str, str]) -> list[str]:
    # The event export in CSV too (a query parameter, not a route of its own).
    return [*concrete_urls(values), "/api/v1/events/?format=csv"]


def person(world: World, site: dict[str, Any], name: str) -> Any:
    return site["operator"] if name == "operator" else world.persona(name)


def reveals_or_acts(client: Client, anonymous: Client, method: str, url: str) -> str | None:
    """Why this answer to a password-only staff session is wrong, or None."""
    before = row_counts()
    response = getattr(client, method)(url, {"anything": "1"})
    content = body(response)
    after = row_counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    if url in SECOND_FACTOR_PAGES:
        changed.pop("otp_totp_totpdevice", None)  # set-up prepares the device to be scanned
    if changed:
        return f"acted: {changed}"
    if response.status_code >= 300:
        return None  # refused, or sent to the second factor or elsewhere, having done nothing
    if url.split("?")[0] in SECOND_FACTOR_PAGES:
        return None
    if SECRET_TITLE.encode() in content or SECRET_FILE_NAME.encode() in content:
        return "revealed the case's private text"
    public = getattr(anonymous, method)(url, {"anything": "1"})
    if public.status_code >= 300:
        if "attachment" in response.get("Content-Disposition", ""):
            return "served a file"
        return (
            f"answered {response.status_code} where an anonymous visitor gets {public.status_code}"
        )
    return None  # what anyone may have (the verifier, the sealing certificate, open data)


def test_the_walk_covers_every_surface(site):
    urls = site_urls(site["values"])
    for expected in (
        f"/documents/{site['values']['document_pk']}/download/",
        f"/letters/{site['values']['number']}/download/",
        f"/letters/{site['values']['number']}/correct/",
        f"/review/{site['values']['pk']}/",
        "/api/v1/applications/",
        "/admin/",
        f"/apply/{site['values']['pk']}/",
    ):
        assert expected in urls
    assert f"/api/v1/letters/{site['values']['number']}/pdf/" in urls  # a regex route


def test_with_the_second_factor_the_same_walk_finds_what_staff_may_see(world, site):
    """The control: the walk's tests of "reveals" do fire on a verified session."""
    officer = signed_in(world.officer)
    auditor = Client()
    pass_second_factor(auditor, world.auditor)
    values = site["values"]
    page = officer.get(f"/review/{values['pk']}/")
    assert SECRET_TITLE in page.content.decode()
    download = officer.get(f"/documents/{values['document_pk']}/download/")
    assert "attachment" in download["Content-Disposition"]
    assert SECRET_TITLE in auditor.get("/api/v1/applications/").content.decode()
    letter = auditor.get(f"/letters/{values['number']}/download/")
    assert letter.status_code == 200


@pytest.mark.parametrize("name", WALKERS)
def test_a_password_only_staff_session_can_do_and_see_nothing_anywhere(world, site, name):
    user = person(world, site, name)
    client = Client()
    anonymous = Client()
    problems = []
    for url in site_urls(site["values"]):
        for method in ("get", "post"):
            # The password step only, afresh for each request (the walk passes the sign-out
            # pages too): no device verified in this session.
            client.force_login(user)
            why = reveals_or_acts(client, anonymous, method, url)
            if why:
                problems.append(f"{method.upper()} {url}: {why}")
    assert not problems, "\n".join(problems)


def test_a_password_only_decider_cannot_order_a_letter_correction(world, site):
    client = Client()
    client.force_login(world.decider)
    number = site["values"]["number"]
    response = client.post(f"/letters/{number}/correct/", {"reason": "오기 정정"})
    assert response.status_code == 302
    assert response["Location"].startswith("/review/2fa/")
    assert not Letter.objects.filter(supersedes__number=number).exists()
    # After the second factor the same request orders the correction.
    verified = signed_in(world.decider)
    response = verified.post(f"/letters/{number}/correct/", {"reason": "오기 정정"})
    assert response.status_code == 302
    assert Letter.objects.filter(supersedes__number=number).exists()


def test_the_api_refuses_a_password_only_staff_session_with_a_clear_answer(world, site):
    client = Client()
    client.force_login(world.auditor)
    response = client.get("/api/v1/applications/")
    assert response.status_code in (401, 403)
    assert "two-factor" in response.content.decode()
    pass_second_factor(client, world.auditor)
    assert client.get("/api/v1/applications/").status_code == 200


def test_applicants_need_no_second_factor_for_their_own_files(world, site, client):
    client.force_login(world.applicant)
    response = client.get(f"/documents/{site['values']['document_pk']}/download/")
    assert response.status_code == 200
    assert client.get("/api/v1/applications/").status_code == 200


def test_the_operator_passes_the_second_factor_on_the_same_pages(site, client):
    operator = site["operator"]
    client.force_login(operator)
    response = client.get(f"/letters/{site['values']['number']}/download/")
    assert response["Location"].startswith("/review/2fa/setup/")
    assert client.get(response["Location"]).status_code == 200
