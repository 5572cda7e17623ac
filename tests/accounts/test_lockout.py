"""Item 4 of the second security review: lockout can no longer be used as a weapon. The pair of
user name and source is locked, a source guessing many names is capped, one name tried from
many sources is only slowed down, and every failure is kept (``accounts/lockout.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.usefixtures("axes_on")


@pytest.fixture
def axes_on():
    with override_settings(
        AXES_ENABLED=True,
        AXES_FAILURE_LIMIT=5,
        LOGIN_FAILURES_PER_SOURCE=12,
        LOGIN_SLOWDOWN_MAX_SECONDS=60,
    ):
        yield


def sign_in(source: str, username: str, password: str) -> int:
    client = Client(REMOTE_ADDR=source)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code


def test_five_wrong_passwords_lock_only_that_source_out(world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            assert sign_in("203.0.113.9", "decider", "wrong") == 200
        assert sign_in("203.0.113.9", "decider", "wrong") == 429  # the fifth locks the pair
        assert sign_in("203.0.113.9", "decider", "pw") == 429
        clock.shift(dt.timedelta(seconds=2))  # the name itself waits a second (see below)
        assert sign_in("198.51.100.7", "decider", "pw") == 302  # the decider's desk is open
        clock.shift(dt.timedelta(minutes=30))
        assert sign_in("203.0.113.9", "decider", "pw") == 429  # the guesser's is not


def test_the_lockout_page_says_what_to_do_and_names_nobody(world, client):
    for _ in range(5):
        sign_in("203.0.113.9", "decider", "wrong")
    response = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/login/", {"username": "decider", "password": "pw"}
    )
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in page and "decider" not in page


def test_one_source_guessing_many_names_is_capped(world):
    for n in range(12):
        sign_in("203.0.113.9", f"nobody{n}", "wrong")
    assert sign_in("203.0.113.9", "officer", "pw") == 429
    assert sign_in("198.51.100.7", "officer", "pw") == 302


def test_one_name_tried_from_many_sources_is_slowed_not_locked(world):
    desk = "198.51.100.7"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(5):
            sign_in(f"203.0.113.{n + 1}", "decider", "wrong")
        assert sign_in(desk, "decider", "pw") == 429  # a second's wait after the fifth
        clock.shift(dt.timedelta(seconds=2))
        assert sign_in(desk, "decider", "pw") == 302
        # An attacker with many machines waits out each pause; the pauses double up to a cap.
        for n in range(20):
            clock.shift(dt.timedelta(seconds=61))
            sign_in(f"192.0.2.{n + 1}", "decider", "wrong")
        assert sign_in(desk, "decider", "pw") == 429
        clock.shift(dt.timedelta(seconds=30))
        assert sign_in(desk, "decider", "pw") == 429
        clock.shift(dt.timedelta(seconds=31))  # never more than a minute
        assert sign_in(desk, "decider", "pw") == 302


def test_every_failure_is_kept_even_those_refused_while_locked(world):
    for _ in range(7):
        sign_in("203.0.113.9", "decider", "wrong")
    logs = AccessFailureLog.objects.filter(username="decider", ip_address="203.0.113.9")
    assert logs.count() == 7
    assert logs.filter(locked_out=True).count() >= 2


def test_signing_in_to_ones_own_account_does_not_clear_a_sources_guesses(world):
    for n in range(11):
        sign_in("203.0.113.9", f"nobody{n}", "wrong")
    assert sign_in("203.0.113.9", "applicant", "pw") == 302  # the guesser's own account
    sign_in("203.0.113.9", "nobody99", "wrong")  # the 12th
    assert sign_in("203.0.113.9", "officer", "pw") == 429
