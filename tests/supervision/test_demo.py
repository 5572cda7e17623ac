"""seed_demo shows supervision at work: an active waiver with a reporting schedule, one report
accepted (after a revision), one overdue, a serious incident awaiting the company's answer, an
accepted insurance policy with its cover and certificate, user-notice evidence and the
conditions register; the supervision settings of the Korean exemption tracks."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from applications.models import Application, Decision, Track
from applications.workflow import ApplicationStatus as S
from register.models import TradeSecretClaim
from supervision.models import (
    ConditionRecord,
    FilingStatus,
    Incident,
    Report,
    ReportStatus,
    SupervisionSettings,
    UserNotice,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_waiver_under_supervision(capsys):
    call_command("seed_demo")
    app = Application.objects.get(title="자율주행 순찰 로봇 아파트 단지 운행")
    assert app.status == S.ACTIVE
    reports = list(Report.objects.filter(application=app).order_by("due_on"))
    assert len(reports) == 8 and reports[-1].kind == "final"
    assert reports[0].status == ReportStatus.ACCEPTED
    assert [f.outcome for f in reports[0].submissions.order_by("number")] == [
        "revision_requested",
        "accepted",
    ]
    assert reports[1].status == ReportStatus.DUE and reports[1].overdue_at is not None
    incident = Incident.objects.get(application=app)
    assert incident.is_serious and incident.status == "awaiting_answer"
    proof = app.insurance_proofs.get()
    assert (proof.coverage_per_person, proof.policy.status) == (100_000_000, FilingStatus.ACCEPTED)
    assert proof.policy.certificate is not None
    assert UserNotice.objects.filter(application=app).exists()
    assert list(
        ConditionRecord.objects.filter(application=app).values_list("status", flat=True)
    ) == ["met", "open", "open"]
    assert app.data_items.count() == 3
    exemption_tracks = Track.objects.filter(kind="exemption").count()
    assert SupervisionSettings.objects.count() == exemption_tracks
    # The earlier sample cases were approved before supervision was set up: no schedule. The
    # committee's meeting decided after it (demo/committees.py): its approval has a schedule,
    # none of it due yet.
    committee_approved = set(
        Decision.objects.filter(kind="approval")
        .exclude(committee_reference="")
        .filter(application__agenda_items__isnull=False)
        .values_list("application_id", flat=True)
    )
    # The public register's sample (demo/register.py) is approved with supervision set up too,
    # ten days into its term.
    (public_sample,) = set(TradeSecretClaim.objects.values_list("application_id", flat=True))
    scheduled = set(Report.objects.values_list("application_id", flat=True))
    assert scheduled - committee_approved == {app.pk, public_sample}
    assert not Report.objects.exclude(application=app).filter(overdue_at__isnull=False).exists()
    before = Report.objects.count()
    call_command("seed_demo")  # idempotent
    assert Report.objects.count() == before
    capsys.readouterr()
