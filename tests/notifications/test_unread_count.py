"""The staff header's unread count runs SQL kept per user and scope (``notifications/
selectors.py``): it answers what ``inbox_of(user).filter(read_at__isnull=True).count()``
answers after every kind of change, and a second ask compiles nothing."""

from __future__ import annotations

from unittest import mock

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
from notifications.models import Notification
from notifications.selectors import inbox_of, unread_count
from tests.builders import drive
from tests.factories import MinistryFactory, make_user


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
