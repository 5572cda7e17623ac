"""Staff notifications: who is told what, once, in their language, made with the event and
emailed only after it commits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications import services, vocabulary
from applications.models import Consultation
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from notifications import rules
from notifications import services as inbox
from notifications.models import Notification
from notifications.models import NotificationKind as K
from sanctions import services as sanctions
from tests.builders import drive, recommend
from tests.factories import make_user
from tests.supervision.helpers import T0, active, at, supervised
from tests.supervision.test_incidents import report


def _kinds(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def _request_opinion(world, app):
    return services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="보도 통행?"
    )


def test_a_consultee_is_told_once_in_their_language_after_the_request_commits(
    world, django_capture_on_commit_callbacks
):
    world.consultee.staff_profile.language = "en"
    world.consultee.staff_profile.save()
    app = drive(world, S.UNDER_REVIEW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _request_opinion(world, app)
        # made with the event, in its transaction; nothing sent before the commit
        assert _kinds(world.consultee) == [K.OPINION_REQUESTED]
        assert [m for m in mail.outbox if world.consultee.email in m.to] == []
    for callback in callbacks:
        callback()
    sent = [m for m in mail.outbox if world.consultee.email in m.to]
    assert len(sent) == 1
    assert "Your ministry's opinion is requested on" in sent[0].subject
    assert app.reference in sent[0].body and "Open the case" in sent[0].body
    # the lead ministry's staff and the officer who asked are not told
    assert _kinds(world.officer) == [] and _kinds(world.foreign_officer) == []
    # once: emailing again sends nothing
    assert inbox.notification_email(Notification.objects.get(recipient=world.consultee).pk) == 0


def test_korean_is_the_default_language_of_a_notification_email(
    world, django_capture_on_commit_callbacks
):
    app = drive(world, S.UNDER_REVIEW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _request_opinion(world, app)
    (sent,) = [m for m in mail.outbox if world.consultee.email in m.to]
    assert "의견" in sent.subject and app.reference in sent.subject


def test_nothing_is_made_or_sent_when_the_change_rolls_back(
    world, django_capture_on_commit_callbacks
):
    app = drive(world, S.UNDER_REVIEW)
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _request_opinion(world, app)
        raise RuntimeError("the request fails after its event")
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_the_assigned_officer_is_told_when_an_opinion_arrives(
    world, django_capture_on_commit_callbacks
):
    review = drive(world, S.UNDER_REVIEW)
    _request_opinion(world, review)
    consultation = Consultation.objects.get(application=review)
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_answer(
            consultation=consultation, by=world.consultee, opinion="agree", reasons="동의"
        )
    assert K.OPINION_ARRIVED in _kinds(world.officer)
    assert _kinds(world.other_officer) == []


def test_an_answered_supplement_tells_the_officer_holding_the_case(world):
    app = drive(world, S.UNDER_REVIEW)
    services.application_request_supplement(
        application=app, by=world.officer, deficiencies=["시험성적서"]
    )
    services.application_answer_supplement(
        application=app, by=world.applicant, message="시험성적서 첨부"
    )
    assert _kinds(world.officer) == [K.SUPPLEMENT_ANSWERED]


def test_decision_makers_and_the_secretariat_are_told_when_a_recommendation_waits(world):
    secretary = make_user(Role.COMMITTEE_SECRETARY, ministry=world.lead, username="secretary")
    app = drive(world, S.DELIBERATION)
    assert _kinds(world.decider) == [K.DECISION_WAITS]
    assert _kinds(secretary) == [K.DELIBERATION_REACHED]
    # the other ministry's decision maker and the officer who recommended are not told
    assert _kinds(world.foreign_decider) == [] and _kinds(world.officer) == []
    assert Notification.objects.get(recipient=world.decider).application == app


def test_everyone_a_recommendation_tells_is_read_in_one_query_and_written_in_one_insert(world):
    """However many people a recommendation tells (the decision makers and the secretariat,
    one of them holding both roles), the lead ministry's staff are read once and every
    notification goes in one insert, each to the right person as the right kind."""
    secretaries = [
        make_user(Role.COMMITTEE_SECRETARY, ministry=world.lead, username=f"secretary-{n}")
        for n in range(2)
    ]
    deciders = [world.decider] + [
        make_user(Role.DECISION_MAKER, ministry=world.lead, username=f"decider-{n}")
        for n in range(2)
    ]
    both = secretaries[0]
    both.groups.add(Group.objects.get(name=Role.DECISION_MAKER))
    app = drive(world, S.UNDER_REVIEW)
    with CaptureQueriesContext(connection) as captured:
        recommend(world, app)
    sqls = [q["sql"] for q in captured.captured_queries]
    users, notifications = get_user_model()._meta.db_table, Notification._meta.db_table
    assert len([s for s in sqls if s.startswith("SELECT") and f'FROM "{users}"' in s]) == 1
    assert len([s for s in sqls if s.startswith(f'INSERT INTO "{notifications}"')]) == 1
    for user in deciders:
        assert _kinds(user) == [K.DECISION_WAITS]
    assert sorted(_kinds(both)) == sorted([K.DECISION_WAITS, K.DELIBERATION_REACHED])
    assert _kinds(secretaries[1]) == [K.DELIBERATION_REACHED]
    assert _kinds(world.officer) == [] and _kinds(world.foreign_decider) == []


def test_a_consultee_is_reminded_once_before_the_request_lapses(world):
    app = drive(world, S.UNDER_REVIEW)
    _request_opinion(world, app)
    due = Consultation.objects.get(application=app).due_at
    assert inbox.opinions_due_soon() == []  # a month ahead: not yet
    with time_machine.travel(due - dt.timedelta(days=rules.DUE_SOON_DAYS - 1)):
        assert len(inbox.opinions_due_soon()) == 1
        assert inbox.opinions_due_soon() == []
    reminder = Notification.objects.get(recipient=world.consultee, kind=K.OPINION_DUE_SOON)
    assert reminder.details["due_on"] == app.program.local_date(due).isoformat()


def test_a_daily_digest_replaces_the_single_emails(world, django_capture_on_commit_callbacks):
    inbox.inbox_setting_update(by=world.consultee, daily_digest=True)
    first, second = drive(world, S.UNDER_REVIEW), drive(world, S.UNDER_REVIEW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _request_opinion(world, first)
        _request_opinion(world, second)
    assert [m for m in mail.outbox if world.consultee.email in m.to] == []
    assert inbox.digest_send() == 1
    (digest,) = [m for m in mail.outbox if world.consultee.email in m.to]
    assert first.reference in digest.body and second.reference in digest.body
    assert inbox.digest_send() == 0  # once a day, and each notification once
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        assert inbox.digest_send() == 0  # nothing new


def test_the_supervision_actions_watched_are_the_registered_ones():
    for action in rules.WATCHED_ACTIONS:
        assert vocabulary.wording(action) is not None, action


@pytest.mark.parametrize(("severity", "emailed"), [("serious", False), ("minor", True)])
def test_an_incident_reaches_the_officer_once_whatever_the_channel(
    world, django_capture_on_commit_callbacks, severity, emailed
):
    supervised(world)
    with at(T0):
        case = active(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report(world, case, severity=severity)
    assert _kinds(world.officer) == [K.INCIDENT_FILED]
    (officer_mail,) = [m for m in mail.outbox if world.officer.email in m.to]
    # a serious incident: supervision already emails the ministry's staff at once, so the
    # officer gets that one email; a minor one: the notification's email
    assert ("/review/inbox/" in officer_mail.body) is emailed


def test_decision_makers_are_told_when_the_company_answers_a_prior_notice_or_asks_to_resume(
    world, django_capture_on_commit_callbacks
):
    with at(T0 - dt.timedelta(days=1)):
        app = drive(world, S.ACTIVE)
    Notification.objects.all().delete()  # what the way to approval made
    with at(T0):
        notice = sanctions.notice_send(
            application=app,
            by=world.decider,
            measure="suspend",
            grounds="조건 위반",
            period_days=30,
        )
    assert _kinds(world.decider) == []  # they sent it themselves
    mail.outbox.clear()
    with at(T0 + dt.timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        sanctions.opinion_submit(notice=notice, by=world.applicant, text="시정 중입니다.")
    assert _kinds(world.decider) == [K.NOTICE_ANSWERED]
    (told,) = [m for m in mail.outbox if world.decider.email in m.to]
    assert app.reference in told.body
    with at(T0 + dt.timedelta(days=2)):
        sanctions.measure_take(
            notice=notice,
            by=world.decider,
            reason="조건 위반",
            assessment_outcome="not_accepted",
            assessment="시정이 확인되지 않음",
            ends_on=dt.date(2026, 6, 1),
            cure_steps=["안전 점검 완료"],
        )
    with at(T0 + dt.timedelta(days=10)):
        sanctions.resumption_request(application=app, by=world.applicant, evidence="점검 완료")
    assert sorted(_kinds(world.decider)) == sorted([K.NOTICE_ANSWERED, K.RESUMPTION_REQUESTED])
    # another ministry's decision maker, the officer and the company are not told
    assert _kinds(world.foreign_decider) == [] and _kinds(world.officer) == []
    assert _kinds(world.applicant) == []
