"""A committee meeting in a real browser (Debian chromium through Playwright, live server): the
secretariat plans a meeting and builds an agenda of three cases, orders it and sends the papers;
a member (in Korean, on a phone-sized screen) recuses on one; the secretariat records attendance
and the results — approve one, reject one, defer one; the chair approves the minutes; a decision
maker issues the decisions; the letters carry the meeting reference. axe-core checks every page
on the way for serious or critical violations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from committees.models import AgendaItem, Meeting, MeetingStatus, Recusal
from documents.issuing import letter_issue
from documents.models import Letter, LetterStatus
from documents.storage import letter_pdf_path
from tests.browser import chromium
from tests.builders import build_world
from tests.committees.board import build_board, deliberating
from tests.documents.helpers import pdf_text
from tests.e2e.test_applicant_journey import accessible
from tests.e2e.test_review_journey import pass_totp, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, *, width: int = 1280, locale: str = "en-GB") -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def staff(browser: Any, base: str, user: Any, target: str, checked: list[str]) -> Any:
    page = new_page(browser)
    sign_in(page, base, user.username, target)
    pass_totp(page, TOTPDevice.objects.get(user=user), checked)
    return page


def item_block(page: Any, app: Application) -> Any:
    return page.locator("li.agenda-item", has_text=app.reference)


def test_a_meeting_decides_three_cases_and_the_letters_cite_it(browser, live_server):
    base = live_server.url
    world = build_world()
    board = build_board(world)
    robots = deliberating(world, "자율주행 배송 로봇")
    scooters = deliberating(world, "공유 전동킥보드")
    drones = deliberating(world, "드론 야간 배송")
    for user in (board.secretary, board.expert, board.chair, world.decider):
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    checked: list[str] = []

    # The secretariat plans the meeting (it began an hour ago) and builds its agenda.
    secretary = staff(browser, base, board.secretary, "/review/committees/", checked)
    secretary.wait_for_url(re.compile(r"/review/committees/$"))
    accessible(secretary, checked)
    secretary.click("main a:has-text('Plan a meeting of the')")
    accessible(secretary, checked)
    start = (timezone.now() - dt.timedelta(hours=1)).astimezone(world.program.tz)
    secretary.fill("#id_day", start.date().isoformat())
    secretary.fill("#id_time", start.strftime("%H:%M"))
    secretary.check("input[name=venue][value=in_person]")
    secretary.fill("#id_place", "정부과천청사 대회의실")
    secretary.click("main button[type=submit]")
    secretary.wait_for_selector("text=The meeting is planned.")
    accessible(secretary, checked)
    for app in (robots, scooters, drones):
        secretary.click(f"main button:has-text('Put on the agenda: {app.reference}')")
        secretary.wait_for_selector("text=The case is on the agenda.")
    secretary.click(f"main button:has-text('Move up: {drones.reference}')")
    secretary.wait_for_selector("text=The agenda order changed.")
    accessible(secretary, checked)
    meeting = Meeting.objects.get()
    order = list(meeting.items.order_by("position").values_list("application", flat=True))
    assert order == [robots.pk, drones.pk, scooters.pk]
    secretary.click("main button:has-text('Send the papers to the members')")
    secretary.wait_for_selector("text=The papers were sent")
    expect(secretary.locator("a:has-text('Download the agenda papers (PDF)')")).to_be_visible()

    # A member reads the papers in Korean on a phone and recuses from the scooter case.
    member = new_page(browser, width=390, locale="ko-KR")
    member.goto(f"{base}/review/committees/meetings/{meeting.pk}/")
    member.wait_for_url(re.compile(r"/accounts/login/"))
    member.fill("#id_username", board.expert.username)
    member.fill("#id_password", PASSWORD)
    member.click("main button[type=submit]")
    pass_totp(member, TOTPDevice.objects.get(user=board.expert), checked)
    member.wait_for_url(re.compile(rf"/review/committees/meetings/{meeting.pk}/$"))
    assert "제1차 회의" in member.content() and "회의 자료 내려받기 (PDF)" in member.content()
    accessible(member, checked)
    item_block(member, scooters).locator("a:has-text('이해충돌 신고 (회피)')").click()
    accessible(member, checked)
    member.fill("#id_reason", "신청 기업과 자문 계약이 있습니다.")
    member.click("main button[type=submit]")
    member.wait_for_selector("text=이해충돌 신고가 기록되었습니다")
    accessible(member, checked)
    assert Recusal.objects.get().seat.user == board.expert

    # Attendance: everyone but the ministry representative; the meeting is quorate.
    secretary.reload()
    secretary.click("main a:has-text('Record attendance')")
    accessible(secretary, checked)
    for user in (board.chair, board.vice, board.member, board.expert):
        secretary.check(f"input[name=present][value='{board.seat(user).pk}']")
    secretary.click("main button[type=submit]")
    secretary.wait_for_selector("text=quorate: the meeting can decide")
    accessible(secretary, checked)

    def record(app: Application, result: str, voters: list[Any], **fill: str) -> None:
        item_block(secretary, app).locator("a:has-text('Record the result')").click()
        secretary.wait_for_selector("main form[method=post]")
        accessible(secretary, checked)
        secretary.check(f"input[name=result][value={result}]")
        for field, value in fill.items():
            secretary.fill(f"#id_{field}", value)
        for user in voters:
            secretary.select_option(f"select[name=vote_{board.seat(user).pk}]", "for")
        secretary.click("main button[type=submit]")
        secretary.wait_for_selector(f"text=The result for {app.reference} is recorded.")

    # The recused member has no vote on the scooter case.
    item_block(secretary, scooters).locator("a:has-text('Record the result')").click()
    expect(
        secretary.get_by_text("Recused from this item (they do not vote): 최위원.")
    ).to_be_visible()
    assert secretary.locator(f"select[name=vote_{board.seat(board.expert).pk}]").count() == 0
    secretary.go_back()
    everyone = [board.chair, board.vice, board.member, board.expert]
    record(robots, "approve", everyone)
    record(
        scooters,
        "reject",
        [board.chair, board.vice, board.member],
        reasons="헬멧 위생 관리 방안 미흡",
    )
    record(drones, "defer", [])
    accessible(secretary, checked)

    # The chair approves the minutes.
    chair = staff(browser, base, board.chair, f"/review/committees/meetings/{meeting.pk}/", checked)
    chair.click("main a:has-text('Approve the minutes')")
    accessible(chair, checked)
    assert "Recused: 최위원" in chair.content()
    chair.click("main button[type=submit]")
    chair.wait_for_selector("text=The minutes are approved, sealed and stored.")
    accessible(chair, checked)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTES_APPROVED

    # A decision maker issues the decisions: two cases decided, the deferred one waits.
    decider = staff(
        browser, base, world.decider, f"/review/committees/meetings/{meeting.pk}/", checked
    )
    decider.click("main a:has-text('Issue the meeting')")
    accessible(decider, checked)
    decider.click("main button:has-text('Issue the decisions')")
    decider.wait_for_selector("text=2 decisions were issued")
    accessible(decider, checked)
    statuses = {a.pk: Application.objects.get(pk=a.pk).status for a in (robots, scooters, drones)}
    assert statuses == {robots.pk: S.APPROVED, scooters.pk: S.REJECTED, drones.pk: S.DELIBERATION}
    assert AgendaItem.objects.get(application=drones).result == "defer"

    # The letters cite the meeting.
    day = meeting.local_date
    reference = f"제1차 신기술·서비스 심의위원회 ({day.year}년 {day.month}월 {day.day}일)"
    for app in (robots, scooters):
        letter = Letter.objects.get(application=app)
        if letter.status != LetterStatus.ISSUED:
            letter = letter_issue(letter=letter)
        text = pdf_text(letter_pdf_path(letter))
        assert reference in text, text[:400]
    assert len(checked) >= 18
