"""Real processes against a real PostgreSQL: two sweeps at once act on each item once, a second
scheduler or cron sweep does not start while one runs, and a sweep killed half-way loses nothing.

Each test holds a row lock the sweep needs (the audit chain head, or one supplement request), so
the processes are caught at a known point instead of racing on timing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from applications import deadlines, services
from applications.audit import audit_verify
from applications.models import Application, AuditChainHead, AuditEvent, Decision, SupplementRequest
from applications.workflow import ApplicationStatus as S
from documents.models import Letter
from tests.applications.test_deadlines import a_case_of_every_rule, submitted
from tests.builders import World

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = dt.timedelta(days=1)
EMAILED = {"deem_confirmed", "lapse", "expire", deadlines.EXPIRY_REMINDER}
ACTION_OF = {
    "deemed_confirmation": "deem_confirmed",
    "supplement_lapse": "lapse",
    deadlines.AGENDA_FLAG: deadlines.AGENDA_FLAG,
    "consultation_lapse": "consultation_lapsed",
    "expiry": "expire",
    deadlines.EXPIRY_REMINDER: deadlines.EXPIRY_REMINDER,
}


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Processes:
    """Start ``manage.py`` commands against the test database; emails land in ``mail_dir``."""

    def __init__(self, tmp_path: Path) -> None:
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.subprocess_settings",
            "DATABASE_URL": database_url(),
            "SANDBOX_VAR_DIR": str(tmp_path / "var"),
            "SANDBOX_TEST_MAIL_DIR": str(self.mail_dir),
            "TASKS_BACKEND": "immediate",
            "PYTHONUNBUFFERED": "1",
            "PYTHONFAULTHANDLER": "1",
        }

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def emails(self) -> int:
        """Messages sent (the file backend writes one file per connection, one message each)."""
        return sum(
            path.read_text(errors="replace").count("\nMessage-ID: ")
            for path in self.mail_dir.iterdir()
        )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def waiting_backends() -> list[int]:
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot taken once: refresh it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def cases_due_now(world: World, batches: int) -> list[dict[str, Application]]:
    """``batches`` cases of every rule, due at the real current time (the processes' clock)."""
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    day0 = timezone.now() - 100 * DAY
    return [a_case_of_every_rule(world, day0) for _ in range(batches)]


def assert_each_acted_on_once(batches: list[dict[str, Application]]) -> None:
    for cases in batches:
        for rule, app in cases.items():
            actions = Counter(
                AuditEvent.objects.filter(application=app).values_list("action", flat=True)
            )
            assert actions[ACTION_OF[rule]] == 1, (rule, actions)
        assert Application.objects.get(pk=cases["expiry"].pk).status == S.EXPIRED
        assert Application.objects.get(pk=cases["supplement_lapse"].pk).status == S.WITHDRAWN
        for rule in ("deemed_confirmation", "expiry"):
            assert (
                Decision.objects.filter(application=cases[rule])
                .exclude(kind__in=["approval"])
                .count()
                == 1
            )
            # one letter for the system's decision, issued at most once
            assert Letter.objects.filter(application=cases[rule], kind=rule).count() == 1
            issued = AuditEvent.objects.filter(application=cases[rule], action="letter_issued")
            assert issued.filter(payload__kind=rule).count() <= 1
    assert audit_verify().ok


def test_two_sweeps_at_once_act_on_each_item_once(world, tmp_path):
    batches = cases_due_now(world, batches=3)
    processes = Processes(tmp_path)
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().get(
            pk=1
        )  # both sweeps block on their first item
        first = processes.start("run_deadlines", "--no-lock")
        second = processes.start("run_deadlines", "--no-lock")
        wait_until(lambda: len(waiting_backends()) == 2, "both sweeps to reach an item")
    outputs = [finish(first), finish(second)]

    assert_each_acted_on_once(batches)
    totals = [int(out.split("Deadline sweep: ")[1].split(" action")[0]) for out in outputs]
    assert sum(totals) == 6 * len(batches)  # between them, every item once
    assert all(total > 0 for total in totals)  # and both really worked at the same time
    assert processes.emails() == len(EMAILED) * len(batches)  # one email per emailed item
    again = finish(processes.start("run_deadlines"))
    assert "Deadline sweep: 0 action(s)" in again


@pytest.mark.parametrize("second_command", ["run_deadlines", "run_scheduler"])
def test_a_second_sweep_does_not_start_while_the_scheduler_sweeps(world, tmp_path, second_command):
    batches = cases_due_now(world, batches=1)
    processes = Processes(tmp_path)
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().get(pk=1)
        scheduler = processes.start("run_scheduler", "--iterations", "1", "--interval", "0")
        wait_until(lambda: len(waiting_backends()) == 1, "the scheduler to start sweeping")
        args = ["--iterations", "1"] if second_command == "run_scheduler" else []
        second = finish(processes.start(second_command, *args))
    assert "nother deadline sweep is running" in second
    output = finish(scheduler)
    assert "sweep: 6 action(s)" in output, output
    assert_each_acted_on_once(batches)
    assert processes.emails() == len(EMAILED)


def test_a_sweep_killed_half_way_loses_nothing_and_the_next_run_finishes(world, tmp_path):
    world.applicant.email = "applicant@example.test"
    world.applicant.save()
    day0 = timezone.now() - 40 * DAY
    cases = []
    for _ in range(5):
        app = submitted(world, when=day0)
        with time_machine.travel(day0 + DAY, tick=False):
            services.application_request_supplement(
                application=app, by=world.officer, deficiencies=["시험성적서"]
            )
        cases.append(app)
    processes = Processes(tmp_path)
    with transaction.atomic():
        # The third lapse stops at this row; the first two are committed by then.
        SupplementRequest.objects.select_for_update().get(application=cases[2])
        sweep = processes.start("run_deadlines", "--rule", "supplement_lapse")
        (backend,) = wait_until(waiting_backends, "the sweep to reach the third item")
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(30)
        with connection.cursor() as cursor:  # the crashed process's server session goes too
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    wait_until(lambda: backend not in waiting_backends(), "the crashed session to end")
    wait_until(lambda: not _alive(backend), "the crashed session to end")

    statuses = [Application.objects.get(pk=app.pk).status for app in cases]
    assert statuses == [S.WITHDRAWN, S.WITHDRAWN] + [S.SUPPLEMENT_REQUESTED] * 3
    assert AuditEvent.objects.filter(application=cases[2], action="lapse").count() == 0
    assert processes.emails() == 2

    output = finish(processes.start("run_deadlines"))
    assert "supplement_lapse              3 done" in output
    for app in cases:
        assert Application.objects.get(pk=app.pk).status == S.WITHDRAWN
        assert AuditEvent.objects.filter(application=app, action="lapse").count() == 1
    assert processes.emails() == 5
    assert audit_verify().ok


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0])


def test_the_scheduler_stops_cleanly_on_sigterm(world, tmp_path):
    processes = Processes(tmp_path)
    scheduler = processes.start("run_scheduler", "--interval", "300")
    assert scheduler.stdout is not None
    lines = []
    for line in scheduler.stdout:  # wait for the first tick to finish
        lines.append(line)
        if " sweep: " in line or " sweep failed: " in line:
            break
    scheduler.send_signal(signal.SIGTERM)
    output = "".join(lines) + finish(scheduler, timeout=30)
    assert "sweep: 0 action(s), 0 failed" in output
    assert output.rstrip().endswith("Deadline scheduler stopped.")
