"""The kernel's event hooks are told only of the events they act on (``effects.on_event``'s
``wants``), judged from the event in hand: each subscriber's filter picks exactly the events its
own query would have read back, and a draft's edit reads no event back (docs/performance.md,
"What each request of the load mix costs")."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import effects, vocabulary
from applications import notifications as applicant_mail
from applications.audit import audit_record
from applications.models import AuditEvent
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from committees import services as committees
from notifications import rules
from notifications import services as staff_notices
from tests.builders import draft

SOURCES = ["", S.DRAFT, S.DELIBERATION]
TARGETS = ["", S.DRAFT, S.SUBMITTED, S.DELIBERATION, S.APPROVED]


def _every_kind_of_event(world) -> list[AuditEvent]:
    """An event of every registered action with every pair of the statuses above, recorded
    through the audit chain (no hooks), and a few without a case."""
    app = draft(world)
    events = []
    with transaction.atomic():
        for action in sorted(vocabulary.registered()):
            for source, target in itertools.product(SOURCES, TARGETS):
                events.append(
                    audit_record(
                        application=app,
                        actor=world.officer,
                        actor_role=Role.CASE_OFFICER,
                        action=action,
                        from_status=source,
                        to_status=target,
                    )
                )
        for action in ("submit", "consultation_requested"):
            events.append(
                audit_record(
                    application=None,
                    actor=None,
                    actor_role=Role.SYSTEM,
                    action=action,
                    to_status=S.DELIBERATION,
                )
            )
    return events


def test_each_filter_picks_exactly_what_its_hook_would_read_back(world):
    events = _every_kind_of_event(world)

    # The staff notifications read the cases of the watched events only, in one query.
    unwatched = [event for event in events if not rules.watches(event)]
    with CaptureQueriesContext(connection) as captured:
        assert staff_notices.notify_about_events(events=unwatched) == []
    assert not captured.captured_queries
    watched = [event for event in events if rules.watches(event)]
    assert watched  # the filter is not empty: consultations, deliberation …
    assert {e.pk for e in staff_notices._watched_events(events)} == {e.pk for e in watched}

    # The applicant's email is queued for the events the filter picks, unread: exactly those
    # the email would have something to say about.
    worded = {event.pk for event in events if applicant_mail.event_email_context(event)}
    assert worded == {event.pk for event in events if applicant_mail.emails_applicant(event)}
    assert worded and len(worded) < len(events)


def test_only_an_event_leaving_deliberation_concerns_an_agenda(world):
    app = draft(world)
    with transaction.atomic():
        event = audit_record(
            application=app,
            actor=world.applicant,
            actor_role=Role.APPLICANT,
            action="draft_updated",
            from_status=S.DRAFT,
            to_status=S.DRAFT,
        )
    assert not committees.may_leave_an_agenda(event)
    event.to_status = S.SUBMITTED  # its submission: it was on no agenda either
    assert not committees.may_leave_an_agenda(event)
    event.from_status, event.to_status = S.SUBMITTED, S.UNDER_REVIEW  # its review: no agenda yet
    assert not committees.may_leave_an_agenda(event)
    event.from_status, event.to_status = S.UNDER_REVIEW, S.DELIBERATION  # it may go on one now
    assert not committees.may_leave_an_agenda(event)
    event.from_status = event.to_status = S.DELIBERATION  # a step within deliberation
    assert not committees.may_leave_an_agenda(event)
    event.from_status, event.to_status = S.DELIBERATION, S.APPROVED  # it left deliberation
    assert committees.may_leave_an_agenda(event)
    event.from_status, event.to_status = S.DELIBERATION, S.WITHDRAWN
    assert committees.may_leave_an_agenda(event)


@pytest.mark.django_db(transaction=True)
def test_hooks_hear_only_the_events_they_want_and_batches_only_those(world):
    heard: list[tuple[str, list[int]]] = []

    def one(*, event_id: int) -> None:
        heard.append(("one", [event_id]))

    def many(*, event_ids: list[int]) -> None:
        heard.append(("many", list(event_ids)))

    def plain(*, event_id: int) -> None:
        heard.append(("plain", [event_id]))

    def wants(event: AuditEvent) -> bool:
        return event.action == "submit"

    app = draft(world)
    effects.on_event(one, many=many, wants=wants)
    effects.on_event(plain)
    try:
        with transaction.atomic():
            kept = audit_record(
                application=app,
                actor=None,
                actor_role=Role.SYSTEM,
                action="submit",
                recorded=effects.event_recorded,
            )
            dropped = audit_record(
                application=app,
                actor=None,
                actor_role=Role.SYSTEM,
                action="draft_updated",
                recorded=effects.event_recorded,
            )
        assert heard == [("one", [kept.pk]), ("plain", [kept.pk]), ("plain", [dropped.pk])]
        heard.clear()
        with transaction.atomic():
            first, second = (
                AuditEvent(application=app, action=action, pk=pk)
                for action, pk in (("draft_updated", kept.pk), ("submit", dropped.pk))
            )
            effects.events_recorded([first, second])
        assert heard == [("many", [dropped.pk]), ("plain", [kept.pk]), ("plain", [dropped.pk])]
        heard.clear()
        with transaction.atomic():
            effects.events_recorded([first])  # nobody the batch form wants: not called
        assert heard == [("plain", [kept.pk])]
    finally:
        effects._event_hooks.remove(one)
        effects._event_hooks.remove(plain)
        effects._batch_forms.pop(one)
        effects._event_filters.pop(one)


def test_saving_a_draft_step_reads_no_event_back(client, world, django_capture_on_commit_callbacks):
    """The step's event is inserted; no hook reads it again (notifications, the applicant's
    email, agendas) and webhooks look only for a live subscription."""
    app = draft(world)
    client.force_login(world.applicant)
    url = reverse("application-step", args=[app.pk, "service"])
    client.get(url)
    app.refresh_from_db()
    data = {"title": "새 제목", "summary": "요약", "version": app.version, "continue": ""}
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert client.post(url, data).status_code == 302
    assert callbacks  # the hooks after the commit ran, and are counted below
    queries = [query["sql"] for query in captured.captured_queries]
    read_back = [
        sql for sql in queries if "applications_auditevent" in sql and not sql.startswith("INSERT")
    ]
    assert read_back == [], queries
    assert not [sql for sql in queries if "committees_agendaitem" in sql]
    assert len([sql for sql in queries if "api_webhooksubscription" in sql]) == 1
    assert AuditEvent.objects.filter(application=app, action="draft_updated").exists()
