"""Item 7 of the second security review: no CSV the site produces holds a cell a spreadsheet
would run as a formula. The test puts formula-like text where people can type it (their user
name, which the audit export carries), then walks every URL of the site as an auditor who
passed the second factor, with and without ``?format=csv``, and reads every CSV answer."""

from __future__ import annotations

import csv
import io

from django.test import Client

from applications import services
from applications.models import Membership
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from tests.builders import COMPLETE_DRAFT, drive
from tests.documents.helpers import issue_all
from tests.factories import make_user, pass_second_factor
from tests.urlwalk import concrete_urls

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1)"]


def csv_answers(client: Client, urls: list[str]) -> dict[str, str]:
    """Every answer of the site that is a CSV, by URL."""
    found: dict[str, str] = {}
    for url in urls:
        for candidate in (url, f"{url}?format=csv"):
            response = client.get(candidate)
            if response.status_code != 200:
                continue
            if not response.get("Content-Type", "").startswith("text/csv"):
                continue
            content = b"".join(response) if response.streaming else response.content
            found[candidate] = content.decode("utf-8-sig")
    return found


def test_no_csv_of_the_site_carries_a_formula(world):
    app = drive(world, S.ACTIVE)
    issue_all(app)
    for name in HOSTILE_NAMES:
        person = make_user(Role.APPLICANT, organization=world.organization, username=name)
        services.application_create_draft(
            by=person,
            organization=world.organization,
            program=world.program,
            track=world.exemption,
            **COMPLETE_DRAFT,
        )
    assert Membership.objects.filter(user__username__in=HOSTILE_NAMES).count() == 3
    letter = app.letters.first()
    values = {
        "pk": str(app.pk),
        "reference": str(app.reference),
        "number": letter.number if letter else "x",
    }
    client = Client()
    pass_second_factor(client, world.auditor)
    answers = csv_answers(client, concrete_urls(values))
    assert "/api/v1/events/?format=csv" in answers  # the walk does find the site's CSVs
    cells_seen = set()
    for url, text in answers.items():
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                cells_seen.add(cell)
                assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}, (url, cell)
    # The hostile names are there, neutralised, and can be read back.
    for name in HOSTILE_NAMES:
        assert "'" + name in cells_seen
