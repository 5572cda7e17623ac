"""Personal-data consent at sign-up, versioned: the notice says purpose, items, retention and the
right to refuse; the agreement is recorded with its version and time; a person who agreed to an
older version agrees again before going on; staff (not the public) see who agreed to what."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape

from accounts import consent, services
from accounts.consent import ConsentVersion
from accounts.consent_gate import PrivacyConsentMiddleware
from applications.models import AuditEvent
from tests.portal.test_accounts import SIGN_UP
from tests.reviews.helpers import signed_in


def test_the_sign_up_page_shows_the_notice_in_the_readers_language(client, db):
    english = client.get(reverse("signup"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    text = consent.current().en
    for part in (text.purpose, text.items, text.retention, text.refusal):
        assert escape(part) in english
    assert f"Version {consent.CURRENT}" in english
    client.cookies["django_language"] = "ko"
    korean = client.get(reverse("signup"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert consent.current().ko.refusal in korean and "거부할 권리" in korean


def test_signing_up_without_agreeing_is_refused_next_to_the_box(client, db):
    data = {k: v for k, v in SIGN_UP.items() if k != "privacy_consent"}
    response = client.post(reverse("signup"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'href="#id_privacy_consent"' in response.content.decode()
    assert not User.objects.exists()


def test_the_agreement_is_recorded_with_its_version_language_and_time(client, db):
    client.post(reverse("signup"), SIGN_UP)
    user = User.objects.get(username="minji@example.test")
    agreement = consent.consent_of(user)
    assert agreement is not None
    assert (agreement.version, agreement.language) == (consent.CURRENT, "en")
    event = AuditEvent.objects.get(actor=user, action="organization_registered")
    assert agreement.at == event.occurred_at
    assert event.payload["privacy_consent"] == consent.CURRENT


def test_the_service_refuses_a_sign_up_without_the_current_version(db):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.applicant_sign_up(
            full_name="Kim",
            email="kim@example.test",
            password="a-long-Passphrase-42",
            organization_name="Lab",
            registration_number=SIGN_UP["registration_number"],
            representative="Kim",
            address="Seoul",
            language="ko",
            privacy_consent="2020-01",
        )
    assert "privacy_consent" in refused.value.errors


NEW = "2099-01"


@pytest.fixture
def new_version(monkeypatch):
    old = consent.current()
    version = ConsentVersion(version=NEW, published="2099-01-01", ko=old.ko, en=old.en)
    monkeypatch.setitem(consent.VERSIONS, NEW, version)
    monkeypatch.setattr(consent, "CURRENT", NEW)
    return version


def test_a_new_version_asks_who_agreed_to_an_older_one_to_agree_again(client, world, new_version):
    services.privacy_consent_give(user=world.applicant, version=NEW, language="en")
    client.force_login(world.applicant)
    assert client.get("/apply/").status_code == 200
    newer = "2099-02"
    new_version2 = ConsentVersion(newer, "2099-02-01", new_version.ko, new_version.en)
    consent.VERSIONS[newer] = new_version2
    try:
        consent.CURRENT = newer
        client.logout()
        client.force_login(world.applicant)
        response = client.get("/apply/")
        assert response.status_code == 302
        assert response.url.startswith(reverse("privacy-consent"))
        page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"You agreed to version {NEW}" in page
        refused = client.post(reverse("privacy-consent"), {"version": newer, "next": "/apply/"})
        assert refused.status_code == 400
        agreed = client.post(
            reverse("privacy-consent"), {"version": newer, "agree": "on", "next": "/apply/"}
        )
        assert agreed.url == "/apply/"
        assert consent.consent_of(world.applicant).version == newer
        assert client.get("/apply/").status_code == 200
        # the older versions' texts are kept
        assert set(consent.VERSIONS) >= {"2026-12", NEW, newer}
    finally:
        del consent.VERSIONS[newer]


def test_an_agreement_to_a_stale_version_is_refused(world, new_version):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.privacy_consent_give(user=world.applicant, version="2026-12", language="ko")


def test_staff_see_who_agreed_to_what_and_the_public_does_not(client, world):
    client.post(reverse("signup"), SIGN_UP)
    assert client.get(reverse("privacy-consents")).status_code == 302  # anonymous: sign in
    client.force_login(world.applicant)
    assert client.get(reverse("privacy-consents")).status_code == 403
    rows = consent.agreements()
    assert [(a.user.email, a.version) for a in rows] == [("minji@example.test", consent.CURRENT)]
    page = signed_in(world.auditor).get(reverse("privacy-consents")).content.decode()
    assert "minji@example.test" in page and consent.CURRENT in page


def test_a_colleague_joining_by_invitation_agrees_too(
    client, world, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.portal.test_accounts import link_in

    client.force_login(world.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organization"), {"email": "park@example.test"})
    client.logout()
    url = link_in(mail.outbox[-1])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert escape(consent.current().en.refusal) in page
    data = {
        "full_name": "Park",
        "password1": "joined-Passphrase-5",
        "password2": "joined-Passphrase-5",
    }
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and 'href="#id_privacy_consent"' in refused.content.decode()
    assert not User.objects.filter(email="park@example.test").exists()
    client.post(url, {**data, "privacy_consent": "on"})
    park = User.objects.get(email="park@example.test")
    assert consent.consent_of(park).version == consent.CURRENT


def test_pages_outside_the_portal_never_load_the_user_for_the_gate(rf):
    """The health check must answer while the database is away: the gate reads the path first
    and leaves the user (a database read) alone anywhere else."""

    def unreachable() -> User:
        raise AssertionError("the gate loaded the user")

    reached = []
    gate = PrivacyConsentMiddleware(lambda request: reached.append(request.path) or HttpResponse())
    for path in ("/health/", "/review/", "/accounts/login/", "/register/"):
        request = rf.get(path)
        request.user = SimpleLazyObject(unreachable)
        request.session = {}
        gate(request)
    assert reached == ["/health/", "/review/", "/accounts/login/", "/register/"]
