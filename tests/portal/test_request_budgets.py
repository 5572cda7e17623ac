"""What each request of the load test's applicant costs in queries, after-commit work included
(``bench_load``'s mix; docs/performance.md, "What each request of the load mix costs"): a
budget per kind, so that the cuts — hooks told only of the events they act on, the case, the
user and the roles read through queries compiled once, roles and organisations in one query —
cannot creep back. Transaction statements (BEGIN, COMMIT, savepoints) are not counted: they
differ between the databases."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from tests.benchmarks.bench_load import PDF, REGULATION, STEPS
from tests.builders import drive

# The most queries a request of each kind may run (SQL statements, after-commit hooks included).
BUDGETS = {
    # session, user (with their roles and organisations: accounts/backends.py), the
    # organisation, the open tracks (read once, for their guidance and the radio buttons)
    "page GET (new)": 4,
    # the same four, the case inserted without looking its links up again, its event (chain
    # head, insert, head moved), the webhooks' live subscriptions
    "form POST (new)": 9,
    # session, user, case (+ the scope step's data items)
    "page GET (step)": 4,
    # session, user, case; the case locked and updated, its event (3), webhooks
    "form POST (step)": 9,
    "form POST (regulation)": 10,
    "upload": 10,
    # + what the answers show: regulations, documents, co-applicants, data items …
    "page GET (check)": 11,
    # + reference number, required sections and files, the draft events it seals, the company
    # profile kept, the applicant's email queued
    "submit": 19,
}
TRANSACTION = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO)\b")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


class Counter:
    def __init__(self, capture_on_commit: Any) -> None:
        self.capture_on_commit = capture_on_commit
        self.counts: dict[str, list[int]] = defaultdict(list)
        self.sql: dict[str, list[str]] = {}

    def __call__(self, kind: str, send: Any) -> Any:
        with (
            CaptureQueriesContext(connection) as captured,
            self.capture_on_commit(execute=True),
        ):
            response = send()
        assert response.status_code < 400, (kind, response.status_code)
        statements = [
            q["sql"] for q in captured.captured_queries if not TRANSACTION.match(q["sql"])
        ]
        self.counts[kind].append(len(statements))
        self.sql[kind] = statements
        return response


def test_each_request_of_the_applicants_round_keeps_to_its_budget(
    world, django_capture_on_commit_callbacks
):
    drive(world, S.SUBMITTED)  # not the year's first submission: its reference counter exists
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.applicant)
    client.get("/apply/")  # the session's first page checks the personal-data consent
    count = Counter(django_capture_on_commit_callbacks)
    track = world.exemption
    track.required_document_types = ["business_plan"]
    track.save()

    page = count("page GET (new)", lambda: client.get("/apply/new/")).content.decode()
    csrf = CSRF.search(page).group(1)
    started = count(
        "form POST (new)",
        lambda: client.post(
            "/apply/new/", {"csrfmiddlewaretoken": csrf, "track": track.pk, "title": "부하 시험"}
        ),
    )
    app = Application.objects.get(title="부하 시험")  # (drive's case has another title)
    assert started["Location"].startswith(f"/apply/{app.pk}/")
    for slug, data in STEPS:
        url = f"/apply/{app.pk}/step/{slug}/"
        page = count("page GET (step)", lambda url=url: client.get(url)).content.decode()
        body = {**data, "version": VERSION.search(page).group(1), "csrfmiddlewaretoken": csrf}
        count("form POST (step)", lambda url=url, body=body: client.post(url, body))
    count(
        "form POST (regulation)",
        lambda: client.post(
            f"/apply/{app.pk}/step/regulations/", {**REGULATION, "csrfmiddlewaretoken": csrf}
        ),
    )
    plan = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    count(
        "upload",
        lambda: client.post(
            f"/apply/{app.pk}/step/documents/",
            {"csrfmiddlewaretoken": csrf, "doc_type": "business_plan", "file": plan},
        ),
    )
    page = count("page GET (check)", lambda: client.get(f"/apply/{app.pk}/check/")).content
    version = VERSION.search(page.decode()).group(1)
    count(
        "submit",
        lambda: client.post(
            f"/apply/{app.pk}/check/", {"version": version, "csrfmiddlewaretoken": csrf}
        ),
    )
    app.refresh_from_db()
    assert app.status == S.SUBMITTED and app.reference  # the round did what the load test does

    over = {
        kind: (max(counts), BUDGETS[kind], count.sql[kind])
        for kind, counts in count.counts.items()
        if max(counts) > BUDGETS[kind]
    }
    assert not over, over
    assert set(count.counts) == set(BUDGETS)
