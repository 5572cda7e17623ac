"""The inbox under /review/inbox/: one's own notifications, the unread count in the header,
mark read, open the case, the digest setting; someone else's notification is not found."""

from __future__ import annotations

from django.urls import reverse

from applications import services
from applications.workflow import ApplicationStatus as S
from notifications.models import InboxSetting, Notification
from tests.builders import drive
from tests.reviews.helpers import signed_in

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _requested(world):
    app = drive(world, S.UNDER_REVIEW)
    services.consultation_request(
        application=app, by=world.officer, ministries=[world.other_ministry], question="?"
    )
    return app, Notification.objects.get(recipient=world.consultee, application=app)


def test_the_inbox_lists_the_notification_and_the_header_counts_it(world):
    app, _notification = _requested(world)
    client = signed_in(world.consultee)
    page = client.get(reverse("review-inbox"), **EN).content.decode()
    assert f"Your ministry&#x27;s opinion is requested on {app.reference}" in page
    assert '<span class="unread-count">1<span class="visually-hidden"> unread</span>' in page
    queue = client.get(reverse("review-queue"), **EN).content.decode()
    assert 'class="unread-count">1<' in queue
    ko = client.get(reverse("review-inbox"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "소속 부처의 의견이 요청되었습니다" in ko


def test_opening_a_notification_marks_it_read_and_goes_to_the_case(world):
    app, notification = _requested(world)
    client = signed_in(world.consultee)
    response = client.post(reverse("review-notification", args=[notification.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("review-case", args=[app.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(reverse("review-inbox"), **EN).content.decode()
    assert "unread-count" not in page
    unread = client.get(reverse("review-inbox") + "?show=unread", **EN).content.decode()
    assert "No unread notifications." in unread


def test_mark_all_read(world):
    _requested(world)
    _requested(world)
    client = signed_in(world.consultee)
    response = client.post(reverse("review-inbox"), {"mark_all": "1"})
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.consultee, read_at=None).exists()


def test_someone_elses_notification_is_not_found(world):
    _app, notification = _requested(world)
    client = signed_in(world.decider)
    response = client.post(reverse("review-notification", args=[notification.pk]), {"read": "1"})
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    page = client.get(reverse("review-inbox"), **EN).content.decode()
    assert "No notifications yet." in page


def test_the_digest_setting_is_saved(world):
    client = signed_in(world.consultee)
    response = client.post(reverse("review-inbox"), {"daily_digest": "on"})
    assert response.status_code == 302
    assert InboxSetting.objects.get(user=world.consultee).daily_digest is True
    page = client.get(reverse("review-inbox"), **EN).content.decode()
    assert 'name="daily_digest"' in page and "checked" in page


def test_the_inbox_needs_the_second_factor(client, world):
    client.force_login(world.consultee)
    response = client.get(reverse("review-inbox"))
    assert response.status_code == 302 and "/review/2fa/" in response["Location"]
