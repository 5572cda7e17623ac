"""The production profile for real: gunicorn + whitenoise + task workers on a PostgreSQL cluster
of its own, which the tests stop and start again underneath the running service."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sandbox.prodserver import ROOT, Profile, production_env
from tests.pgcluster import PgCluster, pg_cluster_handle

pytestmark = pytest.mark.postgres

PASSWORD = "probe-Password-2026!"
EMAIL = "probe@example.com"


@dataclass
class Running:
    profile: Profile
    cluster: PgCluster


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    with pg_cluster_handle("sandbox_prod") as cluster:
        env = production_env(
            {
                **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                "DATABASE_URL": cluster.url("sandbox_prod"),
                "SANDBOX_VAR_DIR": tempfile.mkdtemp(prefix="sandbox-test-prod-var-"),
                "STATIC_ROOT": tempfile.mkdtemp(prefix="sandbox-test-prod-static-"),
                "LOG_LEVEL": "ERROR",
            }
        )
        profile = Profile(env=env, bind="127.0.0.1:0", web_workers=1, task_workers=1, quiet=True)
        profile.bind = f"127.0.0.1:{_free_port()}"
        profile.prepare()
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", CREATE_PROBE_USER],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        profile.start()
        try:
            profile.wait_healthy()
            yield Running(profile=profile, cluster=cluster)
        finally:
            profile.stop()


CREATE_PROBE_USER = f"""
from tests.factories import OrganizationFactory, Role, make_user
user = make_user(Role.APPLICANT, organization=OrganizationFactory.create(), username={EMAIL!r})
user.email = {EMAIL!r}
user.set_password({PASSWORD!r})
user.save()
"""


def _free_port() -> int:
    from tests.pgcluster import free_port

    return free_port()


class Browser:
    """A cookie-keeping HTTP client that never raises on an error status."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        request.add_header("Accept-Language", "en")
        if data is not None:
            request.add_header("Referer", self.base_url + path)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def log_in(self) -> None:
        status, page, _ = self.request("/accounts/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        data = {"csrfmiddlewaretoken": token.group(1), "username": EMAIL, "password": PASSWORD}
        status, page, _ = self.request("/accounts/login/", data)
        assert status == 200 and "sessionid" in {c.name for c in self.jar}, page[:500]


def test_the_service_answers_with_static_files_served_by_whitenoise(running):
    browser = Browser(running.profile.base_url)
    status, page, headers = browser.request("/")
    assert status == 200
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheet is not None
    status, _, headers = browser.request(stylesheet.group(1))
    assert status == 200 and "text/css" in headers["Content-Type"]
    assert "max-age" in headers["Cache-Control"]


def test_a_database_outage_gives_503_pages_and_heals_without_a_restart(running):
    browser = Browser(running.profile.base_url)
    browser.log_in()
    status, page, _ = browser.request("/apply/")
    assert status == 200, page[:300]
    web_pid = running.profile.processes["web"].pid

    running.cluster.stop()
    try:
        for _ in range(3):
            status, page, headers = browser.request("/apply/")
            assert status == 503, page[:300]
            assert headers["Retry-After"] == "5"
            assert "Service briefly unavailable" in page and "Traceback" not in page
        status, page, _ = browser.request("/health/")
        assert status == 503 and '"unavailable"' in page
    finally:
        running.cluster.start()

    deadline = time.monotonic() + 30
    while True:
        status, page, _ = browser.request("/apply/")
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, page[:300]
    assert browser.request("/health/")[0] == 200
    assert running.profile.processes["web"].pid == web_pid  # healed, not restarted
