"""Supervision's deadlines in the kernel's sweep: report reminders before the due date, the
overdue flag one minute after the edge (the end of the due date in the programme's time zone),
a late report in the staff queue, and insurance ending before the term (after an extension)
flagged with reminders before the cover lapses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from applications import deadlines, services
from applications.models import AuditEvent
from supervision import deadlines as supervision_deadlines
from supervision import services as supervision
from supervision.models import CoverageGap, Report
from supervision.vocabulary import SUPERVISION_WORDING
from tests.factories import pass_second_factor
from tests.supervision.helpers import (
    MINUTE,
    T0,
    active,
    at,
    file_report,
    first_report,
    policy,
    seoul_midnight,
    supervised,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sweep(moment: dt.datetime) -> deadlines.SweepResult:
    with at(moment):
        return deadlines.sweep()


def events(app, action):
    return list(AuditEvent.objects.filter(application=app, action=action).order_by("seq"))


@pytest.fixture
def case(world):
    supervised(world)
    with at(T0):
        return active(world)


def test_a_report_is_overdue_one_minute_after_its_due_date_ends_in_seoul(world, case, on_commit):
    report = first_report(case)
    assert report.due_on == dt.date(2026, 7, 1)
    edge = seoul_midnight(dt.date(2026, 7, 2))  # 2026-07-01 15:00 UTC
    assert sweep(edge - MINUTE).done["report_overdue"] == 0
    with on_commit():
        result = sweep(edge + MINUTE)
    assert result.done["report_overdue"] == 1
    (event,) = events(case, "report_overdue")
    assert event.actor is None and event.actor_name == "system" and event.actor_role == "system"
    assert event.payload["rule"].startswith("report_overdue: periodic report 1 (2026-03-02 – ")
    assert "was due on 2026-07-01 (Asia/Seoul)" in event.payload["rule"]
    report.refresh_from_db()
    assert report.overdue_at == edge + MINUTE
    with translation.override("ko"):
        subject = str(SUPERVISION_WORDING["report_overdue"].notice.subject) % {  # type: ignore[union-attr]
            "reference": case.reference
        }
    assert [m.subject for m in mail.outbox][-1] == subject
    assert sweep(edge + 2 * MINUTE).done["report_overdue"] == 0  # once
    assert len(events(case, "report_overdue")) == 1


def test_a_report_filed_in_time_is_never_overdue(world, case):
    report = first_report(case)
    with at(T0 + dt.timedelta(days=100)):
        file_report(world, report)
    assert sweep(seoul_midnight(dt.date(2026, 7, 5))).done["report_overdue"] == 0


def test_reminders_go_14_and_3_days_before_the_due_date_each_once(world, case, on_commit):
    report = first_report(case)
    for days in (14, 3):
        edge = seoul_midnight(report.due_on - dt.timedelta(days=days))
        assert sweep(edge - MINUTE).done["report_reminder"] == 0
        with on_commit():
            assert sweep(edge + MINUTE).done["report_reminder"] == 1
        assert sweep(edge + 2 * MINUTE).done["report_reminder"] == 0
    reminders = events(case, "report_reminder")
    assert [e.payload["days_before"] for e in reminders] == [14, 3]
    assert reminders[0].payload["due_on"] == "2026-07-01"
    assert "(the 14-day reminder)" in reminders[0].payload["rule"]
    reminder_mail = [m for m in mail.outbox if "2026" in m.body and "14" in m.subject]
    assert reminder_mail and "2026" in reminder_mail[0].body  # the due date is in the email


def test_a_missed_first_reminder_is_not_sent_late(world, case):
    report = first_report(case)
    sweep(seoul_midnight(report.due_on - dt.timedelta(days=2)))
    assert [e.payload["days_before"] for e in events(case, "report_reminder")] == [3]


def test_the_overdue_report_shows_in_the_staff_supervision_tab(world, case, client):
    report = first_report(case)
    with at(T0 + dt.timedelta(days=50)):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=True
        )
    pass_second_factor(client, world.officer)
    with at(T0 + dt.timedelta(days=90)):
        before = client.get("/review/?tab=supervision")
    assert [row["app"].pk for row in before.context["rows"]] == []
    sweep(seoul_midnight(dt.date(2026, 7, 2)) + MINUTE)
    with at(seoul_midnight(dt.date(2026, 7, 2)) + 2 * MINUTE):
        after = client.get("/review/?tab=supervision")
        page = client.get(f"/review/{case.pk}/").content.decode()
    assert [row["app"].pk for row in after.context["rows"]] == [case.pk]
    report.refresh_from_db()
    assert report.overdue_at is not None and "Overdue" in page


def test_tracks_without_supervision_settings_have_no_supervision_deadlines(world):
    with at(T0):
        app = active(world)
    result = sweep(T0 + dt.timedelta(days=700))
    assert {name for name, n in result.done.items() if n} <= {"expiry_reminder"}
    assert not Report.objects.filter(application=app).exists()


# --- insurance ending before the term ---------------------------------------------------------


def extend(world, app, new_end):
    request = services.extension_request_file(
        application=app, by=world.applicant, new_end=new_end, reason="더 필요"
    )
    services.extension_request_decide(
        extension_request=request, by=world.decider, grant=True, reason="타당"
    )


def test_a_coverage_gap_after_an_extension_is_flagged_and_reminded_until_renewed(
    world, case, on_commit
):
    """Insured to 2028-03-01, extended to 2029-03-01: the sweep flags the gap once, reminds
    30 and 7 days before the cover lapses, and stops once a renewal covers the new end."""
    with at(T0 + dt.timedelta(days=300)):
        extend(world, case, dt.date(2029, 3, 1))
    with on_commit():
        flagged = sweep(T0 + dt.timedelta(days=300, minutes=1))
    assert flagged.done["insurance_gap"] == 1
    (gap_event,) = events(case, "insurance_gap")
    assert gap_event.payload["covered_until"] == "2028-03-01"
    assert gap_event.payload["term_end"] == "2029-03-01"
    assert gap_event.payload["rule"] == (
        "insurance_gap: the term ends on 2029-03-01 but the insurance on file ends on 2028-03-01"
    )
    assert sweep(T0 + dt.timedelta(days=300, minutes=2)).done["insurance_gap"] == 0
    for days in (30, 7):
        edge = seoul_midnight(dt.date(2028, 3, 1) - dt.timedelta(days=days))
        assert sweep(edge - MINUTE).done["insurance_lapse_reminder"] == 0
        with on_commit():
            assert sweep(edge + MINUTE).done["insurance_lapse_reminder"] == 1
    assert [e.payload["days_before"] for e in events(case, "insurance_lapse_reminder")] == [30, 7]
    with at(seoul_midnight(dt.date(2028, 2, 25))):
        policy(world, case, start=dt.date(2028, 3, 2), end=dt.date(2029, 3, 1), number="P-2")
    gap = CoverageGap.objects.get(application=case)
    assert gap.resolved_at is not None
    assert sweep(seoul_midnight(dt.date(2028, 2, 28))).total == 0
    assert "insurance_gap" in {e.action for e in AuditEvent.objects.filter(application=case)}


def test_a_returned_policy_leaves_the_waiver_uninsured_and_is_flagged(world, case):
    with at(T0 + dt.timedelta(days=10)):
        supervision.insurance_policy_review(
            proof=case.insurance_proofs.get(), by=world.officer, accept=False, reasons="위조 의심"
        )
    with at(T0 + dt.timedelta(days=10, minutes=1)):
        result = deadlines.sweep(rules=supervision_deadlines.RULES)
    assert result.done["insurance_gap"] == 1
    (event,) = events(case, "insurance_gap")
    assert event.payload["covered_until"] is None
    assert "is none (every policy was returned)" in event.payload["rule"]
    with at(T0 + dt.timedelta(days=10, minutes=2)):
        assert deadlines.sweep(rules=supervision_deadlines.RULES).total == 0
