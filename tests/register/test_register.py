"""The register: a granted waiver enters with its approval; its status now follows every later
decision in the same transaction; search (Korean partial words, English), filters, sorting and
keyset pages; the waiver's page with its letters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput
from documents.issuing import letter_issue
from documents.letter_data import check_path
from documents.services import letter_correct
from register.models import RegisterEntry
from register.rules import RegisterStatus
from register.selectors import RegisterQuery, register_page
from register.services import register_rebuild, register_reconcile
from tests.builders import drive, sanction
from tests.documents.helpers import issue_all
from tests.register.helpers import activate, granted

pytestmark = pytest.mark.django_db

R = RegisterStatus


def _entry(app) -> RegisterEntry:
    return RegisterEntry.objects.get(application=app)


def test_a_waiver_enters_the_register_with_its_approval_and_not_before(world):
    for status in (S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION, S.REJECTED, S.WITHDRAWN):
        drive(world, status)
    drive(world, S.CONFIRMED)
    assert RegisterEntry.objects.count() == 0
    app = granted(world)
    entry = _entry(app)
    assert entry.reference == app.reference and entry.status == R.IN_FORCE
    assert entry.granted_on == world.today and entry.status_since == world.today
    assert (entry.term_start, entry.term_end) == (app.term_start, app.term_end)
    assert entry.exempted_provisions == ["도로교통법 제2조 제10호"]
    assert entry.company == world.organization.name and entry.ministry == world.lead


@pytest.mark.parametrize(
    ("status", "shown", "decision"),
    [
        (S.ACTIVE, R.IN_FORCE, "approval"),
        (S.SUSPENDED, R.SUSPENDED, "suspension"),
        (S.CONTINUING, R.CONTINUING, "law_amendment"),
        (S.REVOKED, R.REVOKED, "revocation"),
        (S.EXPIRED, R.EXPIRED, "expiry"),
        (S.REGULARIZED, R.REGULARIZED, "regularization"),
    ],
)
def test_the_status_now_follows_each_later_decision_with_its_date(
    world, client, status, shown, decision
):
    app = drive(world, status)
    entry = _entry(app)
    assert entry.status == shown
    act = app.decisions.filter(kind=decision).latest("decided_at")
    assert entry.status_since == app.program.local_date(act.decided_at)
    page = client.get(reverse("register-entry", args=[app.reference])).content.decode()
    assert str(shown.label) in page


def test_a_revocation_shows_on_the_register_from_the_moment_it_commits(world, client):
    app = activate(world, granted(world))
    later = timezone.now() + dt.timedelta(days=40)
    with time_machine.travel(later, tick=False):
        sanction(world, app, "revoke", "조건 위반")  # after its prior notice and opinion
    entry = _entry(app)
    assert entry.status == R.REVOKED and entry.status_since == app.program.local_date(later)
    listing = client.get(reverse("register"), {"status": "revoked"}).content.decode()
    assert app.reference in listing and "Revoked" in listing
    assert (
        app.reference
        not in client.get(reverse("register"), {"status": "in_force"}).content.decode()
    )


def test_resuming_a_suspension_puts_the_waiver_back_in_force_since_that_day(world):
    app = drive(world, S.SUSPENDED)
    later = timezone.now() + dt.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.application_resume(application=app, by=world.decider, reason="조사 종료")
    entry = _entry(app)
    assert entry.status == R.IN_FORCE and entry.status_since == app.program.local_date(later)


def test_an_extension_moves_the_published_term(world):
    app = activate(world, granted(world))
    new_end = app.term_end + dt.timedelta(days=100)
    request = services.extension_request_file(
        application=app, by=world.applicant, new_end=new_end, reason="추가 실증"
    )
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=True, reason="타당"
    )
    entry = _entry(app)
    assert entry.term_end == new_end and entry.extensions == 1 and entry.status == R.IN_FORCE


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("로봇", True),  # a two-syllable word
        ("자율주", True),  # part of a word
        ("율", True),  # one syllable
        ("배송로봇", False),  # not in the text as written
        ("모빌리티", True),  # the company
        ("ROBOT", True),  # English, any case
        ("delivery robot", True),  # two words, both must match
        ("delivery drone", False),
        ("ict-2026", True),  # part of the reference
    ],
)
def test_search_finds_korean_partial_words_and_english(world, client, query, found):
    app = granted(world, title="자율주행 배송 로봇 Delivery Robot")
    page = register_page(RegisterQuery(q=query))
    assert (app.reference in [e.reference for e in page.entries]) is found
    html = client.get(reverse("register"), {"q": query}).content.decode()
    assert (f'href="{reverse("register-entry", args=[app.reference])}"' in html) is found


def test_filters_by_programme_track_ministry_status_and_year(world, client):
    app = granted(world)
    year = world.today.year
    for params, found in [
        ({"program": "ICT"}, True),
        ({"track": world.exemption.code}, True),
        ({"ministry": "MSIT"}, True),
        ({"ministry": "MOLIT"}, False),
        ({"status": "in_force"}, True),
        ({"status": "expired"}, False),
        ({"year": year}, True),
        ({"year": year - 1}, False),
    ]:
        html = client.get(reverse("register"), params).content.decode()
        assert (app.reference in html) is found, params


def test_keyset_pages_walk_forward_and_back_without_gaps_or_repeats(world):
    apps = []
    for day in range(7):
        with time_machine.travel(timezone.now() - dt.timedelta(days=10 - day), tick=False):
            apps.append(granted(world, title=f"서비스 {day}"))
    newest_first = [a.reference for a in reversed(apps)]
    seen, cursor, pages = [], "", []
    while True:
        page = register_page(RegisterQuery(cursor=cursor), size=3)
        pages.append(page)
        seen += [e.reference for e in page.entries]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == newest_first and [len(p.entries) for p in pages] == [3, 3, 1]
    assert not pages[0].previous_cursor and pages[-1].previous_cursor
    back = register_page(RegisterQuery(cursor=pages[-1].previous_cursor), size=3)
    assert [e.reference for e in back.entries] == newest_first[3:6]
    first = register_page(RegisterQuery(cursor=back.previous_cursor), size=3)
    assert [e.reference for e in first.entries] == newest_first[:3] and not first.previous_cursor
    by_company = register_page(RegisterQuery(sort="oldest"), size=10)
    assert [e.reference for e in by_company.entries] == list(reversed(newest_first))


def test_counts_are_capped_so_they_never_scan_everything(world, monkeypatch):
    from register import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    for _ in range(3):
        granted(world)
    page = register_page(RegisterQuery())
    assert page.count == 2 and not page.count_is_exact


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgIjEiLCAibiJd", "!!!"])
def test_a_forged_page_link_is_refused_with_a_message_never_a_500(world, client, cursor):
    granted(world)
    with pytest.raises(InvalidInput):
        register_page(RegisterQuery(cursor=cursor))
    response = client.get(reverse("register"), {"cursor": cursor})
    assert response.status_code == 400
    assert "This page link is not valid" in response.content.decode()


def test_bad_filters_are_explained_next_to_the_field(world, client):
    response = client.get(reverse("register"), {"year": "1066", "status": "sleeping"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 2000" in page
    assert "Select a valid choice" in page


def test_the_waiver_page_lists_its_letters_with_check_links_and_corrections(world, client):
    app = granted(world)
    (letter,) = issue_all(app)
    correction = letter_issue(letter=letter_correct(letter=letter, by=world.decider, reason="정정"))
    page = client.get(reverse("register-entry", args=[app.reference])).content.decode()
    for item in (letter, correction):
        link = check_path(item.number, item.verification_code).replace("&", "&amp;")
        assert link in page
    assert f"corrected by {correction.number}" in page


def test_a_case_that_was_not_granted_has_no_public_page(world, client):
    rejected = drive(world, S.REJECTED)
    assert client.get(reverse("register-entry", args=[rejected.reference])).status_code == 404
    assert client.get(reverse("register-entry", args=["ICT-1999-00001"])).status_code == 404


def test_reconcile_and_rebuild_repair_missing_or_stale_entries(world):
    suspended = drive(world, S.SUSPENDED)
    active = drive(world, S.ACTIVE)
    RegisterEntry.objects.filter(application=active).delete()
    RegisterEntry.objects.filter(application=suspended).update(status=R.IN_FORCE)
    assert "2 entries" in register_reconcile()
    assert _entry(suspended).status == R.SUSPENDED and _entry(active).status == R.IN_FORCE
    assert register_reconcile() == ""
    RegisterEntry.objects.all().delete()
    assert register_rebuild() == 2
    assert RegisterEntry.objects.count() == 2


def test_the_rebuild_command_writes_every_entry_and_the_statistics(world):
    from io import StringIO

    from django.core.management import call_command

    from register.models import StatisticsSnapshot

    drive(world, S.ACTIVE)
    RegisterEntry.objects.all().delete()
    out = StringIO()
    call_command("rebuild_register", stdout=out)
    assert out.getvalue().startswith("1 register entries written")
    assert RegisterEntry.objects.count() == 1 and StatisticsSnapshot.objects.count() == 1
