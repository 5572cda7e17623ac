"""The staff header's unread count runs SQL kept per scope (``notifications/selectors.py``):
it answers what ``inbox_of(user).filter(read_at__isnull=True).count()`` answers after every
kind of change, a second ask compiles nothing, and on PostgreSQL the people of one scope share
one statement, planned once."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import services
from applications.models import StaffProfile
from applications.roles import Role
from applications.visibility import scope_of
from applications.workflow import ApplicationStatus as S
from notifications import selectors
from notifications.models import Notification
from notifications.selectors import inbox_of, unread_count
from tests.builders import drive
from tests.factories import MinistryFactory, make_user
from tests.prepared import plans_of


def _fresh(user):
    """The user as the next request reads them (nothing cached from before)."""
    return get_user_model().objects.select_related("staff_profile__ministry").get(pk=user.pk)


def _plain(user):
    return inbox_of(user).filter(read_at__isnull=True).count()


def _agree(*users):
    for user in users:
        user = _fresh(user)
        assert unread_count(user) == _plain(user), user.username


def _consult(world):
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="?"
    )
    return app


def test_the_kept_count_follows_every_change(world):
    people = (world.consultee, world.officer, world.auditor, world.applicant)
    _agree(*people)
    _consult(world)
    _consult(world)
    assert unread_count(_fresh(world.consultee)) == 2
    _agree(*people)
    first = Notification.objects.filter(recipient=world.consultee).order_by("pk").first()
    first.read_at = timezone.now()
    first.save()
    assert unread_count(_fresh(world.consultee)) == 1
    _agree(*people)
    # Moved to the lead ministry: the cases consulted on are still the lead's; moved to a
    # ministry with no case, the notifications about cases it may no longer see are not counted.
    StaffProfile.objects.filter(user=world.consultee).update(ministry=world.lead)
    _agree(*people)
    other = MinistryFactory.create(code="NONE")
    StaffProfile.objects.filter(user=world.consultee).update(ministry=other)
    assert unread_count(_fresh(world.consultee)) == 0 == _plain(_fresh(world.consultee))
    StaffProfile.objects.filter(user=world.consultee).update(ministry=world.other_ministry)
    assert unread_count(_fresh(world.consultee)) == 1


def test_a_scope_that_holds_nothing_counts_zero_without_a_query(world):
    # A committee member without a ministry works in review but may read no case's inbox.
    member = make_user(Role.COMMITTEE_MEMBER, username="member")
    _consult(world)
    assert _plain(_fresh(member)) == 0
    for _ask in range(2):  # compiled, then kept
        user = _fresh(member)
        scope_of(user)
        with CaptureQueriesContext(connection) as captured:
            assert unread_count(user) == 0
        assert captured.captured_queries == []


def test_a_second_ask_compiles_nothing(world):
    _consult(world)
    assert unread_count(_fresh(world.consultee)) == 1
    consultee = _fresh(world.consultee)
    scope_of(consultee)  # what the next page has asked before the header (roles, ministry)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as as_sql:
        assert unread_count(consultee) == 1
    as_sql.assert_not_called()


@pytest.mark.postgres
def test_on_postgresql_one_scope_shares_one_statement_that_is_planned_once(world):
    """The consultee and the other officer of their ministry send one text, the scope's
    values written in and the recipient its one parameter, hidden from the planner
    (``(SELECT …)``): PostgreSQL plans it for the values at hand five times, sees that the
    plan for any recipient is no dearer, and keeps that one plan from then on. With the
    recipient a plain parameter, at 100k cases it planned the count on every page."""
    _consult(world)
    people = [_fresh(world.consultee), _fresh(world.foreign_officer)]
    expected = [_plain(person) for person in people]
    assert expected == [1, 0]
    sent = []

    def keep(execute, sql, params, many, context):
        if sql.startswith("SELECT COUNT(*) FROM (SELECT"):
            sent.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    selectors._UNREAD_SQL.clear()
    threshold = connection.connection.prepare_threshold
    assert threshold is not None
    runs = threshold + 12  # psycopg's threshold, PostgreSQL's five plans for the values, more
    with connection.execute_wrapper(keep):
        for run in range(runs):
            assert unread_count(people[run % 2]) == expected[run % 2], run
    assert len(selectors._UNREAD_SQL) == 1  # one scope, compiled once
    texts = {sql for sql, _params in sent}
    assert len(texts) == 1, texts
    (text,) = texts
    assert {params for _sql, params in sent} == {(person.pk,) for person in people}
    assert text.count("%s") == text.count("(SELECT %s)") == 1  # the recipient, unseen
    prepared = plans_of(text)
    assert len(prepared) == 1, prepared
    ((generic, custom),) = prepared
    assert custom <= 5 and generic >= 1, prepared
