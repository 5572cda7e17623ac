"""Operators configure programmes in the admin; case status is read-only there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from applications.models import Application, Program, Track
from applications.workflow import ApplicationStatus as S
from tests.builders import drive
from tests.factories import pass_second_factor


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "op@example.test", "pw")


@pytest.mark.parametrize(
    "model", ["ministry", "program", "track", "organization", "user", "application", "auditevent"]
)
def test_the_admin_lists_every_configuration_model(client, operator, world, model):
    pass_second_factor(client, operator)
    app_label = "auth" if model == "user" else "applications"
    response = client.get(reverse(f"admin:{app_label}_{model}_changelist"))
    assert response.status_code == 200


def test_a_tracks_timings_are_edited_in_the_admin(client, operator, world):
    pass_second_factor(client, operator)
    track = world.exemption
    url = reverse("admin:applications_track_change", args=[track.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {"program": track.program_id, "max_term_days": 1461, "required_document_types": "[]"}
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Track.objects.get(pk=track.pk).max_term_days == 1461


def test_case_status_cannot_be_changed_in_the_admin(client, operator, world):
    app = drive(world, S.SUBMITTED)
    pass_second_factor(client, operator)
    url = reverse("admin:applications_application_change", args=[app.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    client.post(url, {"status": S.APPROVED, "title": "changed"})
    fresh = Application.objects.get(pk=app.pk)
    assert (fresh.status, fresh.title) == (S.SUBMITTED, app.title)


def test_audit_events_cannot_be_added_or_deleted_in_the_admin(client, operator, world):
    drive(world, S.SUBMITTED)
    pass_second_factor(client, operator)
    assert client.get(reverse("admin:applications_auditevent_add")).status_code == 403
    assert Program.objects.exists()


def test_the_admin_refuses_a_password_only_session(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def totp_login_form(operator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    return device, {"username": "operator", "password": "pw", "otp_device": device.persistent_id}


def test_the_admin_login_refuses_a_wrong_totp_code(client, operator):
    _device, form = totp_login_form(operator)
    response = client.post(reverse("admin:login"), {**form, "otp_token": "000000"})
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_login_accepts_the_current_totp_code(client, operator):
    from accounts.twofactor import current_code

    device, form = totp_login_form(operator)
    response = client.post(
        reverse("admin:login"), {**form, "otp_token": current_code(device), "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
