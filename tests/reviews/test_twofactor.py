"""Staff pages refuse sessions without a verified TOTP device; enrolment and verification use
real codes computed from the device's key."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import DEMO_TOTP_KEY, current_code
from applications.models import AuditEvent
from tests.builders import World
from tests.reviews.helpers import signed_in, totp_device

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/review/")


def test_applicants_get_a_403_page(world: World, client: Client) -> None:
    client.force_login(world.applicant)
    response = client.get("/review/")
    assert response.status_code == 403
    assert "This area is for ministry staff" in response.content.decode()


def test_staff_without_a_device_are_sent_to_enrolment_and_then_in(
    world: World, client: Client
) -> None:
    client.force_login(world.officer)
    response = client.get("/review/?tab=all")
    assert response.status_code == 302
    assert response["Location"].startswith("/review/2fa/setup/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=world.officer)
    assert not device.confirmed
    # A wrong code is refused and nothing is confirmed.
    bad = client.post("/review/2fa/setup/", {"token": "000000", "next": "/review/?tab=all"})
    assert bad.status_code == 400
    assert "That code is not right" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    device.throttling_failure_count = 0  # the wrong code above throttles the next attempt
    device.throttling_failure_timestamp = None
    device.save()
    good = client.post(
        "/review/2fa/setup/", {"token": current_code(device), "next": "/review/?tab=all"}
    )
    assert good.status_code == 302
    assert good["Location"] == "/review/?tab=all"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/review/?tab=all").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_enrolled", actor=world.officer).exists()


def test_a_confirmed_device_is_asked_for_a_code_each_session(world: World, client: Client) -> None:
    device = totp_device(world.decider)
    client.force_login(world.decider)
    response = client.get("/review/")
    assert response["Location"].startswith("/review/2fa/verify/")
    wrong = client.post("/review/2fa/verify/", {"token": "123456"})
    assert wrong.status_code == 400
    assert client.get("/review/").status_code == 302  # still not verified
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post("/review/2fa/verify/", {"token": current_code(device), "next": "/review/"})
    assert ok.status_code == 302
    assert client.get("/review/").status_code == 200


def test_the_next_parameter_cannot_send_people_off_site(world: World, client: Client) -> None:
    device = totp_device(world.officer)
    client.force_login(world.officer)
    response = client.post(
        "/review/2fa/verify/", {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/review/"


def test_demo_totp_prints_the_code_of_the_demo_device(world: World, capsys) -> None:
    device = TOTPDevice.objects.create(
        user=world.officer, name="Authenticator app", key=DEMO_TOTP_KEY, confirmed=True
    )
    call_command("demo_totp", "officer")
    printed = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", printed)
    assert device.verify_token(printed)


def test_verified_session_reaches_the_queue(world: World) -> None:
    assert signed_in(world.auditor).get("/review/").status_code == 200


def test_the_demo_seed_gives_staff_but_not_applicants_a_demo_device(db: None) -> None:
    from demo.seed import seed_configuration, seed_people, seed_two_factor

    seed_configuration()
    users = seed_people()
    seed_two_factor(users)
    seed_two_factor(users)  # idempotent
    officer = TOTPDevice.objects.get(user=users["officer"])
    assert officer.confirmed and officer.key == DEMO_TOTP_KEY
    assert TOTPDevice.objects.filter(user=users["auditor"], confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=users["applicant"]).exists()
    client = Client()
    client.force_login(users["decider"])
    code = current_code(TOTPDevice.objects.get(user=users["decider"]))
    assert client.post("/review/2fa/verify/", {"token": code}).status_code == 302
    assert client.get("/review/").status_code == 200
