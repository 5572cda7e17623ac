"""People are named by their name, an account without one by its email address, the scheduler by
its role; a login (username) is never what a page shows."""

from __future__ import annotations

from django.db import transaction

from applications.roles import Role
from applications.services import kernel
from applications.workflow import ApplicationStatus as S
from tests.builders import drive
from tests.reviews.helpers import signed_in


def test_a_nameless_officer_reads_as_their_email_and_the_scheduler_as_the_system(world):
    officer = world.officer
    officer.username, officer.first_name, officer.last_name = "kjh_0731", "", ""
    officer.email = "kjh@msit.example.test"
    officer.save()
    app = drive(world, S.UNDER_REVIEW)
    with transaction.atomic():
        kernel.event_record(app, None, Role.SYSTEM, "expiry_reminder", {})

    own = signed_in(officer).get("/review/").content.decode()
    decider = signed_in(world.decider)
    case = decider.get(f"/review/{app.pk}/").content.decode()
    queue = decider.get("/review/?tab=all").content.decode()
    for page in (own, case, queue):
        assert "kjh_0731" not in page
        assert "kjh@msit.example.test" in page
    assert ">system<" not in case and "— system" not in case
    assert f"— {Role.SYSTEM.label}" in case
