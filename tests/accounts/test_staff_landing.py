"""Staff signing in land on their workspace (through the second factor), applicants on theirs,
and the header shows staff the workspace's links on every page."""

from __future__ import annotations

from django.urls import reverse

from tests.reviews.helpers import signed_in, totp_device

PASSWORD = "a long demo passphrase 7"


def header(page: str) -> str:
    """The site header alone (the home page's own entry points link both faces)."""
    return page[page.index('<header class="site-header">') : page.index("</header>")]


def _sign_in(client, user):
    user.set_password(PASSWORD)
    user.save()
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_staff_land_on_the_review_queue_through_the_second_factor(client, world):
    totp_device(world.officer)
    response = _sign_in(client, world.officer)
    assert response.status_code == 302 and response["Location"] == reverse("review-queue")
    onward = client.get(response["Location"])
    assert onward.status_code == 302
    assert onward["Location"].startswith(reverse("review-2fa-verify"))


def test_applicants_land_on_their_applications(client, world):
    response = _sign_in(client, world.applicant)
    assert response.status_code == 302 and response["Location"] == reverse("apply-dashboard")


def test_the_header_shows_staff_the_workspace_links_on_every_page(world):
    client = signed_in(world.decider)
    for url in (reverse("home"), reverse("password_reset"), reverse("review-queue")):
        page = header(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
        assert f'href="{reverse("review-queue")}"' in page, url
        assert f'href="{reverse("apply-dashboard")}"' not in page, url


def test_the_header_shows_applicants_their_links_and_no_staff_links(client, world):
    client.force_login(world.applicant)
    for url in (reverse("home"), reverse("apply-dashboard")):
        page = header(client.get(url).content.decode())
        assert f'href="{reverse("review-queue")}"' not in page, url
    page = header(client.get(reverse("apply-dashboard")).content.decode())
    assert f'href="{reverse("apply-dashboard")}"' in page
