"""The committee pages under /review/committees/: the secretariat builds and sends the agenda,
records attendance and results; members read their meetings and papers and declare conflicts;
the chair approves the minutes; a decision maker issues the decisions. Everyone needs the
second factor; another programme's members, applicants and other staff get a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.workflow import ApplicationStatus as S
from committees.models import MeetingStatus, Recusal, Result
from tests.committees.board import (
    approve_minutes,
    build_board,
    deliberating,
    hold,
    item_of,
    other_programme_member,
    plan,
    record,
    send,
)
from tests.factories import pass_second_factor


@pytest.fixture
def board(world):
    return build_board(world)


def as_(client, user):
    pass_second_factor(client, user)
    return client


def test_the_pages_ask_for_the_second_factor(client, board):
    meeting = plan(board)
    client.force_login(board.chair)
    response = client.get(reverse("committee-meeting", args=[meeting.pk]))
    assert response.status_code == 302 and "/review/2fa/" in response["Location"]


def test_another_programmes_member_and_outsiders_get_404(client, board):
    world = board.world
    meeting = send(board, plan(board, [deliberating(world)]))
    item = meeting.items.get()
    for outsider in (other_programme_member(world), world.officer, world.foreign_decider):
        as_(client, outsider)
        for url in (
            reverse("committee-meeting", args=[meeting.pk]),
            reverse("committee-agenda-pdf", args=[meeting.pk]),
            reverse("committee-item-recusal", args=[item.pk]),
            reverse("committee-item-result", args=[item.pk]),
        ):
            assert client.get(url).status_code == 404, (outsider, url)
        listing = client.get(reverse("committee-meetings")).content.decode()
        assert "Meeting no. 1" not in listing
    as_(client, world.applicant)
    assert client.get(reverse("committee-meeting", args=[meeting.pk])).status_code == 403


def test_the_secretariat_builds_orders_and_sends_the_agenda(client, board):
    world = board.world
    first, second = deliberating(world, "첫 안건"), deliberating(world, "둘째 안건")
    as_(client, board.secretary)
    page = client.get(reverse("committee-meetings")).content.decode()
    assert "Plan a meeting of the" in page
    response = client.post(
        reverse("committee-meeting-plan", args=[board.committee.pk]),
        {"number": "1", "day": str(world.today), "time": "14:00", "venue": "online", "place": ""},
    )
    assert response.status_code == 302
    meeting = board.committee.meetings.get()
    url = reverse("committee-meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "Cases waiting for the committee" in page and first.reference in page
    for app in (first, second):
        meeting.refresh_from_db()
        response = client.post(
            reverse("committee-agenda-add", args=[meeting.pk]),
            {"application": app.pk, "version": meeting.version},
        )
        assert response.status_code == 302
    meeting.refresh_from_db()
    client.post(
        reverse("committee-agenda-move", args=[meeting.pk, item_of(meeting, second).pk]),
        {"direction": "up", "version": meeting.version},
    )
    assert list(meeting.items.order_by("position").values_list("application", flat=True)) == [
        second.pk,
        first.pk,
    ]
    # A stale button is refused with the page and a 409.
    stale = client.post(
        reverse("committee-agenda-remove", args=[meeting.pk, item_of(meeting, first).pk]),
        {"version": meeting.version},
    )
    assert stale.status_code == 409 and "changed since you opened it" in stale.content.decode()
    meeting.refresh_from_db()
    response = client.post(
        reverse("committee-papers-send", args=[meeting.pk]), {"version": meeting.version}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.AGENDA_SENT
    page = client.get(url).content.decode()
    assert "Download the agenda papers (PDF)" in page and meeting.agenda_paper.sha256 in page
    pdf = client.get(reverse("committee-agenda-pdf", args=[meeting.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_members_read_the_agenda_once_sent_and_declare_a_conflict(client, board, mailoutbox):
    world = board.world
    app = deliberating(world)
    meeting = plan(board, [app])
    as_(client, board.member)
    url = reverse("committee-meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "You can read it here once the papers are sent" in page and app.reference not in page
    assert client.get(reverse("committee-agenda-pdf", args=[meeting.pk])).status_code == 404
    send(board, meeting)
    page = client.get(url).content.decode()
    assert app.reference in page and "Declare a conflict of interest" in page
    recusal_url = reverse("committee-item-recusal", args=[item_of(meeting, app).pk])
    empty = client.post(recusal_url, {"reason": ""})
    assert (
        empty.status_code == 400
        and "Say what the conflict of interest is." in empty.content.decode()
    )
    assert client.post(recusal_url, {"reason": "신청 기업 자문"}).status_code == 302
    assert Recusal.objects.filter(seat__user=board.member).count() == 1
    page = client.get(url).content.decode()
    assert "You declared a conflict of interest in this item" in page


def test_the_papers_email_reaches_each_member_in_office(
    board, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = plan(board, [deliberating(board.world)])
    with django_capture_on_commit_callbacks(execute=True):
        send(board, meeting)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in board.members())
    mail = mailoutbox[0]
    assert mail.subject == "신기술·서비스 심의위원회 제1차 회의 자료"  # the committee's language
    assert f"/review/committees/meetings/{meeting.pk}/" in mail.body


def test_attendance_and_results_through_their_forms(client, board):
    world = board.world
    app = deliberating(world)
    meeting = send(board, plan(board, [app]))
    as_(client, board.secretary)
    seats = [board.seat(u).pk for u in (board.chair, board.vice)]
    response = client.post(
        reverse("committee-attendance", args=[meeting.pk]),
        {"present": seats, "version": meeting.version},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.quorum_met is False
    result_url = reverse("committee-item-result", args=[item_of(meeting, app).pk])
    page = client.get(result_url).content.decode()
    assert "The meeting has no quorum" in page and "Vote of 김위원장" in page
    refused = client.post(
        result_url,
        {
            "result": "approve",
            "term_start": str(world.today),
            "term_end": str(world.today.replace(year=world.today.year + 2)),
            "conditions": "시속 5km 이하",
            "version": meeting.version,
            f"vote_{seats[0]}": "for",
            f"vote_{seats[1]}": "for",
        },
    )
    assert refused.status_code == 400
    assert "the meeting cannot decide: defer the item" in refused.content.decode()
    deferred = client.post(result_url, {"result": "defer", "version": meeting.version})
    assert deferred.status_code == 302
    assert item_of(meeting, app).result == Result.DEFER


def test_the_chair_approves_the_minutes_and_a_decision_maker_issues_the_decisions(client, board):
    world = board.world
    app = deliberating(world)
    meeting = hold(board, plan(board, [app]))
    record(board, meeting, app, Result.APPROVE)
    meeting.refresh_from_db()
    url = reverse("committee-minutes-approve", args=[meeting.pk])
    as_(client, board.member)
    assert client.get(url).status_code == 302  # not open to them: back to the meeting
    as_(client, board.chair)
    assert "Approve the minutes" in client.get(url).content.decode()
    assert client.post(url, {"version": meeting.version}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTES_APPROVED
    as_(client, world.decider)
    issue = reverse("committee-decisions-issue", args=[meeting.pk])
    assert app.reference in client.get(issue).content.decode()
    assert client.post(issue).status_code == 302
    app.refresh_from_db()
    assert app.status == S.APPROVED
    page = client.get(reverse("committee-meeting", args=[meeting.pk])).content.decode()
    assert "Decision issued" in page and "Download the minutes (PDF)" in page


def test_the_meeting_page_reads_in_korean(client, board):
    meeting = approve_minutes(board, _deferred_meeting(board))
    as_(client, board.chair)
    page = client.get(
        reverse("committee-meeting", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "제1차 회의" in page and "회의록 확정" in page and "회의록 내려받기 (PDF)" in page
    assert "Minutes approved" not in page


def _deferred_meeting(board):
    app = deliberating(board.world)
    meeting = hold(board, plan(board, [app]))
    record(board, meeting, app, Result.DEFER, voters=[])
    return meeting


def test_the_review_pages_approve_form_sends_the_decision_maker_to_the_meeting(client, board):
    world = board.world
    app = deliberating(world)
    as_(client, world.decider)
    response = client.post(
        reverse("review-action", args=[app.pk, "approve"]),
        {
            "committee_reference": "제9차 회의",
            "term_start": str(world.today),
            "term_end": str(world.today.replace(year=world.today.year + 1)),
            "conditions": "시속 5km 이하",
            "legal_basis": "",
            "version": app.version,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_committee_reference-error"' in page
    assert "decides in its meetings here" in page
    app.refresh_from_db()
    assert app.status == S.DELIBERATION


def test_only_the_secretariat_opens_the_planning_page(client, board):
    url = reverse("committee-meeting-plan", args=[board.committee.pk])
    as_(client, board.chair)
    assert client.get(url).status_code == 403
    as_(client, other_programme_member(board.world))
    assert client.get(url).status_code == 404
    as_(client, board.secretary)
    assert client.get(url).status_code == 200
