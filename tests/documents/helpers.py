"""Cases with letters, built through the services, for the letter tests."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from pathlib import Path

import time_machine
from django.utils import timezone

from applications import services
from applications.models import Application
from documents.issuing import letter_issue
from documents.models import Letter, LetterStatus
from tests.builders import World, draft, term

CONDITIONS = [
    "최고 속도 시속 5km 이하로 운행할 것",
    "야간(22시~06시)에는 운행하지 않을 것",
    "사고 발생 시 24시간 이내 보고할 것",
]


def approved_case(
    world: World,
    *,
    title: str = "자율주행 배송 로봇",
    conditions: Sequence[str] = CONDITIONS,
    language: str = "ko",
    offset: int = 0,
    days: int = 730,
) -> Application:
    """An exemption case approved by the committee with the given conditions; with a negative
    ``offset`` it was approved that many days ago (a decision never approves a past term)."""
    if offset < 0:
        with time_machine.travel(timezone.now() + dt.timedelta(days=offset), tick=True):
            return approved_case(
                world, title=title, conditions=conditions, language=language, days=days
            )
    app = draft(world, title=title, language=language)
    services.application_submit(application=app, by=world.applicant)
    services.application_accept(application=app, by=world.officer, no_conflict_declared=True)
    services.application_recommend(
        application=app,
        by=world.officer,
        outcome="approve",
        proposed_term_days=days,
        proposed_conditions=list(conditions),
    )
    start, end = term(world, days=days, offset=offset)
    services.application_approve(
        application=app,
        by=world.decider,
        committee_reference="제1차 신기술·서비스 심의위원회 (2026-11-10)",
        term_start=start,
        term_end=end,
        conditions=list(conditions),
    )
    return app


def activate(world: World, app: Application) -> None:
    assert app.term_start is not None and app.term_end is not None
    services.insurance_proof_add(
        application=app,
        by=world.applicant,
        insurer="한국손해보험",
        policy_number="P-1",
        coverage_start=app.term_start,
        coverage_end=app.term_end + dt.timedelta(days=800),
        insured_amount=100_000_000,
    )
    services.application_activate(application=app, by=world.officer)


def issue_all(app: Application) -> list[Letter]:
    """Issue the case's pending letters now (what the background task does)."""
    for letter in Letter.objects.filter(application=app, status=LetterStatus.PENDING):
        letter_issue(letter=letter)
    return list(Letter.objects.filter(application=app).order_by("created_at", "id"))


def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext (poppler) extracts it, whitespace collapsed."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return " ".join(out.split())


def now() -> dt.datetime:
    return timezone.now()
