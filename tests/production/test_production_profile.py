"""The production profile for real: gunicorn + whitenoise + task workers on a PostgreSQL cluster
of its own, which the tests stop and start again underneath the running service."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
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
                "SANDBOX_SWEEP_INTERVAL": "1",
                "LETTER_STUCK_AFTER": "2",
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


DELIBERATIONS = """
from tests.builders import build_world, drive
from tests.factories import OrganizationFactory
OrganizationFactory.reset_sequence(500)  # past the probe user's organisation (another process)
world = build_world()
print(",".join(str(drive(world, "deliberation").pk) for _ in range(6)))
"""

APPROVE = """
import datetime as dt
from django.contrib.auth.models import User
from applications import services
from applications.models import Application
app = Application.objects.get(pk={pk})
start = dt.date.today() + dt.timedelta(days=30)
services.application_approve(
    application=app, by=User.objects.get(username="decider"), committee_reference="제1차",
    term_start=start, term_end=start + dt.timedelta(days=365), conditions=["조건"],
)
print(app.letters.get().pk)
"""


def manage_shell(running: Running, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=running.profile.env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_a_worker_killed_while_rendering_a_letter_still_issues_it_once(running):
    import psycopg

    cases = manage_shell(running, DELIBERATIONS).split(",")
    with psycopg.connect(running.cluster.url("sandbox_prod"), autocommit=True) as db:

        def letter(pk: str) -> tuple[str, str]:
            row = db.execute(
                "SELECT status, number FROM documents_letter WHERE id = %s", [int(pk)]
            ).fetchone()
            assert row is not None
            return row[0], row[1]

        def rendering(pk: str) -> bool:
            return bool(
                db.execute(
                    "SELECT 1 FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
                    "AND args_kwargs -> 'kwargs' ->> 'letter_id' = %s",
                    [pk],
                ).fetchone()
            )

        killed = None
        for case in cases:  # a render takes about a second: catch the worker inside one
            letter_pk = manage_shell(running, APPROVE.format(pk=case))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and letter(letter_pk)[0] == "pending":
                if rendering(letter_pk):
                    running.profile.kill("tasks-1")
                    break
                time.sleep(0.005)
            if running.profile.processes["tasks-1"].poll() is not None:
                running.profile.start_one("tasks-1")
                if letter(letter_pk)[0] == "pending":
                    killed = letter_pk
                    break
        assert killed is not None, "never caught the worker in the middle of a render"
        assert rendering(killed)  # its task died with the worker and stays "running"

        deadline = time.monotonic() + 60
        while letter(killed)[0] != "issued" and time.monotonic() < deadline:
            time.sleep(0.5)
        status, number = letter(killed)
        assert status == "issued"
        events = db.execute(
            "SELECT count(*) FROM applications_auditevent WHERE action = 'letter_issued' "
            "AND payload ->> 'number' = %s",
            [number],
        ).fetchone()
        assert events == (1,)
    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain"],
        cwd=ROOT,
        env=running.profile.env,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_task_worker_that_exits_is_started_again(running):
    """A worker ends on its own after ``--max-tasks`` tasks; ``restart_exited`` (the service's
    supervising loop, and the load test's) starts it again, and leaves running ones alone."""
    web, worker = running.profile.processes["web"], running.profile.processes["tasks-1"]
    assert running.profile.restart_exited() == []
    assert running.profile.processes["tasks-1"] is worker  # still running: left alone
    running.profile.kill("tasks-1", signal.SIGTERM)
    assert worker.poll() is not None
    assert running.profile.restart_exited() == ["tasks-1"]
    again = running.profile.processes["tasks-1"]
    assert again is not worker and again.poll() is None
    assert running.profile.processes["web"] is web
