"""Programme rules are data: other jurisdictions' shapes need no code changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications import services
from applications.workflow import ApplicationStatus as S
from applications.workflow import TrackKind
from core.errors import InvalidInput
from tests.builders import COMPLETE_DRAFT
from tests.factories import MinistryFactory, ProgramFactory, TrackFactory, make_user


def test_a_uk_fca_style_programme_runs_without_code_changes(world):
    fca = MinistryFactory.create(code="FCA", name="Financial Conduct Authority", name_en="FCA")
    program = ProgramFactory.create(
        code="FCA", lead_ministry=fca, time_zone="Europe/London", statute="FSMA 2000 s138A"
    )
    track = TrackFactory.create(
        program=program,
        code="waiver",
        kind=TrackKind.EXEMPTION,
        name="Waiver or modification",
        review_days=90,
        agenda_days=None,
        max_term_days=183,  # tests "usually no longer than six months"
        max_extensions=0,
        extension_term_days=0,
        insurance_required=False,
    )
    officer = make_user("case_officer", ministry=fca)
    decider = make_user("decision_maker", ministry=fca)
    app = services.application_create_draft(
        by=world.applicant,
        organization=world.organization,
        program=program,
        track=track,
        **{**COMPLETE_DRAFT, "requested_term_days": 180},
    )
    services.regulation_add(
        application=app, by=world.applicant, statute="COBS", article="4.2.1R", reason="disclosure"
    )
    services.application_submit(application=app, by=world.applicant)
    assert app.reference.startswith("FCA-")
    assert app.due_at == app.submitted_at + dt.timedelta(days=90)
    services.application_accept(application=app, by=officer, no_conflict_declared=True)
    services.application_recommend(
        application=app, by=officer, outcome="approve", proposed_term_days=180
    )
    start = timezone.localdate() + dt.timedelta(days=14)  # a term cannot start in the past
    with pytest.raises(InvalidInput, match="at most 183 days"):
        services.application_approve(
            application=app,
            by=decider,
            committee_reference="RDC",
            term_start=start,
            term_end=start + dt.timedelta(days=200),
        )
    services.application_approve(
        application=app,
        by=decider,
        committee_reference="Sandbox Unit 2026/12",
        term_start=start,
        term_end=start + dt.timedelta(days=180),
    )
    services.application_activate(application=app, by=officer)  # no insurance required
    assert app.status == S.ACTIVE
