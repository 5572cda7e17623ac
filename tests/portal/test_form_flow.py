"""The multi-step form through the web: every step saves, the draft survives signing out,
check-your-answers lists what is missing, and a replayed submit changes nothing."""

from __future__ import annotations

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, AuditEvent
from applications.workflow import ApplicationStatus as S
from tests.builders import draft, drive
from tests.portal import samples

SERVICE = {
    "title": "Delivery robots",
    "summary": "Robots deliver parcels inside apartment complexes.",
    "service_description": "Robots use the pavement.",
    "technology_description": "Lidar perception.",
}


def step_url(app, step):
    return reverse("application-step", args=[app.pk, step])


def test_an_applicant_starts_fills_every_step_and_submits(
    client, world, django_capture_on_commit_callbacks
):
    world.exemption.required_document_types = ["business_plan"]
    world.exemption.save()
    client.force_login(world.applicant)
    response = client.post(
        reverse("application-start"), {"track": world.exemption.pk, "title": "Delivery robots"}
    )
    app = Application.objects.get()
    assert response.url == step_url(app, "service")
    steps = [
        ("service", SERVICE),
        (
            "scope",
            {
                "requested_term_days": "365",
                "region": "Seoul",
                "scale": "20 robots",
                "max_users": "500",
            },
        ),
        ("safety", {"safety_plan": "Remote monitoring", "user_protection": "Notices"}),
        ("insurance", {"insurance_plan": "KRW 100m liability"}),
        (
            "declarations",
            {"declaration_truthful": "on", "declaration_consent": "on", "language": "en"},
        ),
    ]
    for step, data in steps:
        app.refresh_from_db()
        response = client.post(step_url(app, step), {**data, "version": app.version})
        assert response.status_code == 302, (step, response.content[:2000])
    response = client.post(
        step_url(app, "regulations"),
        {"statute": "Road Traffic Act", "article": "Art. 2", "reason": "Robots count as vehicles"},
    )
    assert response.status_code == 302
    check = client.get(reverse("application-check", args=[app.pk]))
    assert "Upload the business plan before submitting." in check.content.decode()
    response = client.post(
        step_url(app, "documents"),
        {"doc_type": "business_plan", "file": SimpleUploadedFile("plan.pdf", samples.PDF)},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    check = client.get(reverse("application-check", args=[app.pk]))
    assert "Before you can submit" not in check.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("application-check", args=[app.pk]), {"version": app.version}
        )
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.reference
    assert response.url == reverse("application-detail", args=[app.pk])
    assert [m.subject for m in mail.outbox] == [
        f"We have received your application {app.reference}"
    ]


def test_a_draft_survives_signing_out(client, world):
    client.force_login(world.applicant)
    client.post(reverse("application-start"), {"track": world.exemption.pk, "title": "Robots"})
    app = Application.objects.get()
    client.post(step_url(app, "service"), {**SERVICE, "version": app.version, "save_and_exit": "1"})
    client.post(reverse("logout"))
    assert client.get(step_url(app, "service")).status_code == 302  # to the login page
    client.force_login(world.applicant)
    page = client.get(step_url(app, "service")).content.decode()
    assert "Robots use the pavement." in page


def test_a_missing_required_field_is_shown_next_to_it_and_in_the_summary(client, world):
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    response = client.post(
        step_url(app, "service"), {**SERVICE, "title": "", "version": app.version}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in page
    assert 'href="#id_title"' in page
    assert 'id="id_title-error"' in page and 'aria-invalid="true"' in page


def test_an_edit_made_in_another_tab_is_reported_and_the_text_kept(client, world):
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    opened_version = app.version
    client.post(step_url(app, "service"), {**SERVICE, "version": opened_version})  # tab one
    response = client.post(  # tab two, opened before tab one saved
        step_url(app, "service"),
        {**SERVICE, "summary": "My careful second text", "version": opened_version},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "changed since you opened it" in page
    assert "My careful second text" in page
    app.refresh_from_db()
    assert app.summary == SERVICE["summary"]
    assert f'value="{app.version}"' in page  # saving again is now possible


def test_a_replayed_submit_creates_one_submission_and_one_event(client, world):
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    data = {"version": app.version}
    first = client.post(reverse("application-check", args=[app.pk]), data)
    second = client.post(reverse("application-check", args=[app.pk]), data)
    assert first.status_code == second.status_code == 302
    assert AuditEvent.objects.filter(application=app, action="submit").count() == 1
    app.refresh_from_db()
    assert app.reference.endswith("-00001")


def test_scripts_typed_into_fields_render_as_text(client, world):
    app = draft(world, summary="<script>alert('x')</script>")
    client.force_login(world.applicant)
    page = client.get(reverse("application-check", args=[app.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_overlong_input_is_refused_with_a_message(client, world):
    app = drive(world, S.DRAFT)
    client.force_login(world.applicant)
    response = client.post(
        step_url(app, "service"), {**SERVICE, "title": "x" * 201, "version": app.version}
    )
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_the_dashboard_shows_each_case_with_what_to_do_next(client, world):
    drive(world, S.DRAFT)
    supplement = drive(world, S.SUPPLEMENT_REQUESTED)
    client.force_login(world.applicant)
    page = client.get(reverse("apply-dashboard")).content.decode()
    assert supplement.reference in page
    assert "Answer the supplement request" in page
    assert "Finish your application and submit it." in page
    assert "Next deadline" in page


def test_a_confirmation_track_skips_the_scope_and_insurance_steps(client, world):
    app = drive(world, S.DRAFT, track="confirmation")
    client.force_login(world.applicant)
    assert client.get(step_url(app, "scope")).status_code == 404
    assert client.get(step_url(app, "safety")).status_code == 200


def test_a_submitted_case_cannot_be_edited_through_the_form(client, world):
    app = drive(world, S.SUBMITTED)
    client.force_login(world.applicant)
    response = client.post(step_url(app, "service"), {**SERVICE, "version": app.version})
    assert response.url == reverse("application-detail", args=[app.pk])
    app.refresh_from_db()
    assert app.summary != SERVICE["summary"]
