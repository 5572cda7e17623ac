"""Emails on the events that concern the applicant, in the application's language, with what
people typed shown as text."""

from __future__ import annotations

from django.core import mail

from applications import services
from applications.models import Application
from applications.workflow import ApplicationStatus as S
from tests.builders import draft, drive


def test_submitting_emails_a_receipt_with_the_reference(world, django_capture_on_commit_callbacks):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    app = draft(world, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=app, by=world.applicant)
    (message,) = mail.outbox
    assert message.to == ["applicant@example.test"]
    assert message.subject == f"We have received your application {app.reference}"
    assert app.reference in message.body
    assert f"/apply/{app.pk}/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and '<html lang="en">' in html


def test_emails_go_out_in_the_applications_language(world, django_capture_on_commit_callbacks):
    app = draft(world, language="ko")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=app, by=world.applicant)
    (message,) = mail.outbox
    assert '<html lang="ko">' in message.alternatives[0][0]


def test_a_supplement_request_email_lists_what_is_needed_and_the_deadline(
    world, django_capture_on_commit_callbacks
):
    world.organization.language = "en"  # drafts take the organisation's language
    world.organization.save()
    app = drive(world, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_supplement(
            application=app, by=world.officer, deficiencies=["<script>alert(1)</script> report"]
        )
    (message,) = mail.outbox
    assert message.subject.startswith("Action needed: supplement your application")
    assert "1. <script>alert(1)</script> report" in message.body  # plain text shows it as text
    html = message.alternatives[0][0]
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    app.refresh_from_db()
    assert app.program.local_date(app.supplement_due_at).strftime("%Y") in message.body


def test_decisions_are_emailed_with_a_link_to_the_case_page(
    world, django_capture_on_commit_callbacks
):
    world.organization.language = "en"
    world.organization.save()
    app = drive(world, S.DELIBERATION)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(application=app, by=world.decider, reasons="No evidence")
    subjects = [m.subject for m in mail.outbox]
    assert f"Decision on {app.reference}: rejected" in subjects
    message = next(m for m in mail.outbox if "rejected" in m.subject)
    assert "No evidence" in message.body and f"/apply/{app.pk}/" in message.body


def test_draft_edits_and_uploads_send_no_email(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = draft(world)
        services.application_update_draft(application=app, by=world.applicant, summary="new")
    assert mail.outbox == []
    assert Application.objects.get().summary == "new"


def test_only_active_members_with_an_address_are_emailed(world, django_capture_on_commit_callbacks):
    from tests.factories import make_user

    colleague = make_user("applicant", organization=world.organization, username="colleague")
    colleague.is_active = False
    colleague.save()
    app = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=app, by=world.applicant)
    (message,) = mail.outbox
    assert message.to == [world.applicant.email]
