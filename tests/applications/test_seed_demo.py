from __future__ import annotations

from django.contrib.auth.models import User
from django.core.management import call_command

from applications.audit import audit_verify
from applications.models import Application, AuditEvent, Program, Track
from applications.roles import Role
from applications.workflow import ApplicationStatus as S


def test_seed_demo_builds_every_status_with_real_audit_trails_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = (
        Application.objects.count(),
        AuditEvent.objects.count(),
        Program.objects.count(),
        Track.objects.count(),
        User.objects.count(),
    )
    assert "password for all" in capsys.readouterr().out

    call_command("seed_demo")

    again = (
        Application.objects.count(),
        AuditEvent.objects.count(),
        Program.objects.count(),
        Track.objects.count(),
        User.objects.count(),
    )
    assert again == first
    assert set(Application.objects.values_list("status", flat=True)) == set(S.values)
    assert set(Program.objects.values_list("code", flat=True)) == {"ICT", "ICP", "FIN", "RZ", "SC"}
    for role in Role:
        if role != Role.SYSTEM:
            assert User.objects.filter(groups__name=role).exists(), role
    for app in Application.objects.exclude(status=S.DRAFT):
        actions = list(app.events.values_list("action", flat=True))
        assert actions[0] == "draft_created" and "submit" in actions, app.title
    report = audit_verify()
    assert report.ok and report.events_checked == first[1]


def test_seeded_tracks_carry_the_korean_timings(db):
    call_command("seed_demo")
    ict_demo = Track.objects.get(program__code="ICT", code="demonstration")
    assert (ict_demo.agenda_days, ict_demo.max_term_days, ict_demo.max_extensions) == (90, 730, 1)
    assert ict_demo.law_amendment_lead_days == 60
    fast = Track.objects.get(program__code="ICT", code="fast_confirmation")
    assert (fast.review_days, fast.deemed_outcome) == (30, "deemed_no_regulation")
    icp_demo = Track.objects.get(program__code="ICP", code="demonstration")
    assert icp_demo.max_term_days > 4 * 365 - 1  # four years since the 2026 amendment
    fin = Track.objects.get(program__code="FIN")
    assert (fin.review_days, fin.law_amendment_lead_days) == (120, 90)
