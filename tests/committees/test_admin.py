"""Operators configure committees and their members (roles, terms of office) in the admin;
meetings are read-only there (they change only through the services)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from committees.models import Committee, Seat
from tests.committees.board import build_board, plan
from tests.factories import pass_second_factor


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "op@example.test", "pw")


def test_an_operator_sets_up_a_committee_with_its_members(client, operator, world):
    pass_second_factor(client, operator)
    response = client.post(
        reverse("admin:committees_committee_add"),
        {
            "program": world.program.pk,
            "name": "신기술·서비스 심의위원회",
            "name_en": "Deliberation Committee for New Technologies and Services",
            "quorum": "4",
            "records_votes": "on",
            "language": "ko",
            "is_active": "on",
            "seats-TOTAL_FORMS": "1",
            "seats-INITIAL_FORMS": "0",
            "seats-MIN_NUM_FORMS": "0",
            "seats-MAX_NUM_FORMS": "1000",
            "seats-0-user": world.other_officer.pk,
            "seats-0-role": "ministry_representative",
            "seats-0-affiliation": "과학기술정보통신부",
            "seats-0-term_start": "2026-01-01",
            "seats-0-term_end": "2027-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    committee = Committee.objects.get()
    assert committee.quorum == 4
    seat = Seat.objects.get(committee=committee)
    assert (seat.user, seat.role, str(seat.term_end)) == (
        world.other_officer,
        "ministry_representative",
        "2027-12-31",
    )


def test_a_term_of_office_cannot_end_before_it_starts(client, operator, world):
    board = build_board(world)
    pass_second_factor(client, operator)
    seat = board.seat(board.chair)
    url = reverse("admin:committees_seat_change", args=[seat.pk])
    response = client.post(
        url,
        {
            "committee": board.committee.pk,
            "user": board.chair.pk,
            "role": "chair",
            "affiliation": "",
            "term_start": "2026-05-01",
            "term_end": "2026-04-01",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    seat.refresh_from_db()
    assert seat.term_end is None


def test_meetings_are_read_only_in_the_admin(client, operator, world):
    meeting = plan(build_board(world))
    pass_second_factor(client, operator)
    assert client.get(reverse("admin:committees_meeting_changelist")).status_code == 200
    assert client.get(reverse("admin:committees_meeting_add")).status_code == 403
    page = client.get(reverse("admin:committees_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
