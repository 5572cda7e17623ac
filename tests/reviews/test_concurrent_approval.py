"""Twenty decision makers' browsers press "Approve" on the same case at the same moment, through
real HTTP against a live server on PostgreSQL: exactly one decision is recorded; every other
request gets 409 with the "changed since you opened it" message."""

from __future__ import annotations

import re
import threading

import pytest
import requests

from accounts.twofactor import current_code
from applications.models import AuditEvent, Decision
from applications.workflow import ApplicationStatus as S
from documents.models import Letter
from tests.builders import World, build_world, drive, term
from tests.reviews.helpers import totp_device

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 20


def _csrf(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=30).text
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, url
    return match.group(1)


def _signed_in_decider(base: str, world: World) -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    token = _csrf(session, f"{base}/accounts/login/")
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": "decider", "password": "pw", "csrfmiddlewaretoken": token},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302
    device = totp_device(world.decider)
    token = _csrf(session, f"{base}/review/2fa/verify/")
    response = session.post(
        f"{base}/review/2fa/verify/",
        data={"token": current_code(device), "csrfmiddlewaretoken": token},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/review/"
    return session


def test_twenty_parallel_approvals_record_exactly_one_decision(live_server) -> None:
    base = live_server.url
    world = build_world()
    app = drive(world, S.DELIBERATION)
    app.refresh_from_db()
    session = _signed_in_decider(base, world)
    form_url = f"{base}/review/{app.pk}/approve/"
    token = _csrf(session, form_url)
    start, end = term(world, 365)
    data = {
        "csrfmiddlewaretoken": token,
        "version": str(app.version),
        "committee_reference": "제7차 심의위원회",
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
        "conditions": "조건 1",
    }
    cookies = {k: v for k, v in session.cookies.get_dict().items() if v is not None}
    barrier = threading.Barrier(ATTEMPTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt() -> None:
        own = requests.Session()
        own.headers["Accept-Language"] = "en"
        own.headers["Referer"] = form_url
        own.cookies.update(cookies)
        barrier.wait(timeout=30)
        response = own.post(form_url, data=data, timeout=60, allow_redirects=False)
        with lock:
            results.append((response.status_code, response.text))

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(code for code, _text in results)
    assert len(results) == ATTEMPTS
    assert statuses.count(302) == 1, statuses
    losers = [text for code, text in results if code != 302]
    assert all(code == 409 for code, _text in results if code != 302), statuses
    assert all("This case changed since you opened it" in text for text in losers)
    assert Decision.objects.filter(application=app, kind="approval").count() == 1
    assert AuditEvent.objects.filter(application=app, action="approve").count() == 1
    assert Letter.objects.filter(application=app, kind="approval").count() <= 1
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.version == int(data["version"]) + 1
