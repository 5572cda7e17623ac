"""``status`` changes only through a transition: direct assignment, bulk updates and creating a
case in some other status than draft all fail, and nothing is written."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin

from applications import services
from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from tests.builders import COMPLETE_DRAFT, World, drive


def test_assigning_status_on_a_loaded_case_fails(world: World):
    app = Application.objects.get(pk=drive(world, S.SUBMITTED).pk)
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        app.status = S.APPROVED
    assert app.status == S.SUBMITTED


def test_assigning_status_on_the_case_a_service_returned_fails(world: World):
    app = drive(world, S.DRAFT)
    submitted = services.application_submit(application=app, by=world.applicant)
    for case in (app, submitted):
        with pytest.raises(AttributeError):
            case.status = S.ACTIVE
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_status_stays_protected_after_refresh_from_db(world: World):
    app = drive(world, S.SUBMITTED)
    app.refresh_from_db()
    with pytest.raises(AttributeError):
        app.status = S.APPROVED


def test_a_queryset_update_of_status_is_refused_and_changes_nothing(world: World):
    app = drive(world, S.SUBMITTED)
    with pytest.raises(PermissionError, match="only through its transitions"):
        Application.objects.filter(pk=app.pk).update(status=S.APPROVED)
    with pytest.raises(PermissionError):
        Application.objects.filter(pk=app.pk).update(status=S.APPROVED, title="x")
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.title) == (S.SUBMITTED, COMPLETE_DRAFT["title"])


def test_a_queryset_update_of_other_fields_still_works(world: World):
    app = drive(world, S.SUBMITTED)
    assert Application.objects.filter(pk=app.pk).update(region="부산") == 1
    assert Application.objects.get(pk=app.pk).region == "부산"


def test_bulk_update_of_status_is_refused(world: World):
    app = Application.objects.get(pk=drive(world, S.SUBMITTED).pk)
    with pytest.raises(PermissionError):
        Application.objects.bulk_update([app], ["status", "title"])
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_a_case_cannot_be_created_in_any_status_but_draft(world: World):
    before = (Application.objects.count(), AuditEvent.objects.count())
    fields = {
        "program": world.program,
        "track": world.exemption,
        "organization": world.organization,
        "title": "지름길",
    }
    with pytest.raises(PermissionError):
        Application.objects.create(status=S.APPROVED, **fields)
    with pytest.raises(PermissionError):
        Application.objects.bulk_create([Application(status=S.ACTIVE, **fields)])
    assert (Application.objects.count(), AuditEvent.objects.count()) == before


def test_saving_a_copy_read_before_a_transition_is_refused_and_changes_nothing(world: World):
    """django-fsm's concurrency guard: a save writes only where the status is still the one the
    copy was read in (the state fields are found once per class: ``Application.state_fields``)."""
    app = drive(world, S.DRAFT)
    stale = Application.objects.get(pk=app.pk)
    services.application_submit(application=app, by=world.applicant)
    stale.title = "읽은 뒤에 바뀐 사본"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.title) == (S.SUBMITTED, COMPLETE_DRAFT["title"])


def test_the_state_fields_are_the_ones_django_fsm_finds():
    app = Application()
    found = list(ConcurrentTransitionMixin.state_fields.fget(app))  # type: ignore[attr-defined]
    assert list(app.state_fields) == found == [Application._meta.get_field("status")]
