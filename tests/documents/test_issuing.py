"""Issuing letters in the background: retries that never touch the decision, exactly-once
issuing, corrections that supersede, and a renderer that never fetches anything."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from applications.models import Application, AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from core.errors import InvalidInput, NotPermitted, NotVisible, WrongState
from documents import letter_data, letters
from documents.issuing import letter_issue
from documents.models import Letter, LetterStatus
from documents.services import letter_correct
from documents.storage import letter_pdf_path
from tests.builders import drive
from tests.documents.helpers import approved_case, issue_all, now, pdf_text

pytestmark = pytest.mark.django_db

INJECTED = [
    '<img src="http://127.0.0.1:9/x">',
    '<link href="file:///etc/passwd">',
    "<script>alert(1)</script>",
]


def test_user_text_is_printed_literally_and_the_renderer_fetches_nothing_else(world, tmp_path):
    app = approved_case(world, title="로봇 " + INJECTED[0] + INJECTED[2], conditions=INJECTED)
    letter = Letter.objects.get(application=app)
    fetcher = letters.StaticOnlyFetcher()
    pdf = letters.render(letter_data.letter_input(letter, issued_at=now()), fetcher)

    assert fetcher.refused == []
    assert set(fetcher.served) == {
        letters.ASSET_ORIGIN + "documents/letters/letter.css",
        letters.ASSET_ORIGIN + "documents/letters/seal.svg",
    }
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    for item in INJECTED:
        assert item in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://example.org/font.woff",
        "file:///etc/passwd",
        "data:text/css,body{}",
        letters.ASSET_ORIGIN + "../../sandbox/settings.py",
        letters.ASSET_ORIGIN + "/etc/passwd",
        letters.ASSET_ORIGIN + "no/such/file.css",
    ],
)
def test_the_fetcher_refuses_everything_but_own_static_files(url):
    fetcher = letters.StaticOnlyFetcher()
    with pytest.raises(letters.FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused and not fetcher.served


def test_a_renderer_failing_twice_still_ends_with_the_decision_and_one_issued_letter(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    real = letters.render
    calls: list[str] = []

    def flaky(data, fetcher=None):
        calls.append(data.number)
        if len(calls) <= 2:
            raise RuntimeError("renderer crashed")
        return real(data, fetcher)

    monkeypatch.setattr(letters, "render", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        app = approved_case(world)

    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert Decision.objects.filter(application=app, kind="approval").count() == 1
    (letter,) = Letter.objects.filter(application=app)
    assert letter.status == LetterStatus.ISSUED
    assert letter.attempts == 3 and len(calls) == 3
    assert letter_pdf_path(letter).is_file()
    assert AuditEvent.objects.filter(application=app, action="letter_issued").count() == 1


def test_a_letter_that_keeps_failing_is_marked_failed_and_the_sweep_issues_it_later(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(data, fetcher=None):
        raise RuntimeError("fonts missing")

    real = letters.render
    monkeypatch.setattr(letters, "render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        app = approved_case(world)
    (letter,) = Letter.objects.filter(application=app)
    assert letter.status == LetterStatus.FAILED
    assert "fonts missing" in letter.last_error
    assert Application.objects.get(pk=app.pk).status == S.APPROVED
    assert not AuditEvent.objects.filter(application=app, action="letter_issued").exists()

    monkeypatch.setattr(letters, "render", real)
    out = StringIO()
    call_command("issue_pending_letters", "--min-age=0", stdout=out)
    assert "1 letter(s) issued, 0 still failing" in out.getvalue()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ISSUED and letter.sha256


def test_issuing_twice_issues_once(world):
    app = approved_case(world)
    letter = Letter.objects.get(application=app)
    first = letter_issue(letter=letter)
    second = letter_issue(letter=letter)
    assert first.sha256 == second.sha256 and first.storage_name == second.storage_name
    assert AuditEvent.objects.filter(application=app, action="letter_issued").count() == 1


def test_a_correction_issues_a_new_letter_that_supersedes_the_old(world, tmp_path):
    app = approved_case(world)
    (old,) = issue_all(app)
    new = letter_correct(letter=old, by=world.decider, reason="주소 오기 정정")
    assert new.number == f"{app.reference}-L2"
    assert new.supersedes == old and new.version == 2 and new.decision_id == old.decision_id
    new = letter_issue(letter=new)
    old.refresh_from_db()
    assert old.status == LetterStatus.ISSUED and old.superseded_by == new
    assert letter_pdf_path(old).is_file() and letter_pdf_path(new).is_file()
    text = pdf_text(letter_pdf_path(new))
    assert old.number in text and "주소 오기 정정" in text
    issued = AuditEvent.objects.filter(application=app, action="letter_issued").last()
    assert issued.payload["supersedes"] == old.number and issued.payload["version"] == 2
    assert AuditEvent.objects.filter(
        application=app, action="letter_correction_ordered", actor=world.decider
    ).exists()

    with pytest.raises(WrongState):
        letter_correct(letter=old, by=world.decider, reason="다시")


def test_only_a_decision_maker_of_the_case_corrects_and_a_reason_is_required(world):
    app = approved_case(world)
    (letter,) = issue_all(app)
    with pytest.raises(InvalidInput):
        letter_correct(letter=letter, by=world.decider, reason="  ")
    with pytest.raises(NotPermitted):
        letter_correct(letter=letter, by=world.applicant, reason="정정")
    with pytest.raises(NotVisible):
        letter_correct(letter=letter, by=world.other_applicant, reason="정정")
    assert Letter.objects.filter(application=app).count() == 1


def test_a_pending_letter_cannot_be_corrected(world):
    app = approved_case(world)
    letter = Letter.objects.get(application=app)
    with pytest.raises(WrongState):
        letter_correct(letter=letter, by=world.decider, reason="정정")


def test_letter_numbers_count_up_per_case(world):
    app = drive(world, S.REVOKED)  # approval, prior notice, revocation: three letters
    numbers = list(Letter.objects.filter(application=app).values_list("number", flat=True))
    assert numbers == [f"{app.reference}-L1", f"{app.reference}-L2", f"{app.reference}-L3"]
    assert all(re.fullmatch(r"ICT-\d{4}-\d{5}-L\d+", n) for n in numbers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_the_same_letter_at_once_issue_it_once(world):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (row locks)")
    app = approved_case(world)
    letter = Letter.objects.get(application=app)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(letter_issue(letter=letter).sha256)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    letter.refresh_from_db()
    assert results == [letter.sha256, letter.sha256]
    assert AuditEvent.objects.filter(application=app, action="letter_issued").count() == 1
    assert letter_pdf_path(letter).is_file()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_letter_waits_for_a_worker(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    app = approved_case(world)
    (letter,) = Letter.objects.filter(application=app)
    assert letter.status == LetterStatus.PENDING  # queued, not rendered in the request

    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ISSUED
    assert AuditEvent.objects.filter(application=app, action="letter_issued").count() == 1
