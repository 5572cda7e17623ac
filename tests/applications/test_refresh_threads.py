"""Reloading cases from many threads at once (a threaded web server) never trips the status
field's protection, which stays on for every direct assignment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from tests.builders import drive
from tests.threads import errors_in_threads


def test_concurrent_reloads_in_threads_all_succeed(world):
    app = drive(world, S.SUBMITTED)
    copies = [Application.objects.get(pk=app.pk) for _ in range(8)]
    field = Application._meta.get_field("status")
    start = threading.Barrier(len(copies))

    def reload_many(copy: Application) -> None:
        start.wait()
        for _ in range(2000):
            # refresh only the plain fields (no query per loop: the thread shares no
            # connection), exactly what django-fsm's class-wide switch would race on
            copy.__dict__.pop("status", None)
            copy.__dict__["status"] = S.SUBMITTED
            Application.refresh_from_db(copy, from_queryset=_Cached(app))

    assert errors_in_threads(reload_many, [(c,) for c in copies]) == []
    assert field.protected
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        copies[0].status = S.APPROVED
    connection.close()


class _Cached:
    """A stand-in queryset answering refresh_from_db with a fixed row (no database access)."""

    def __init__(self, row: Application) -> None:
        self.row = row
        self.model = Application

    def filter(self, **kwargs: object) -> _Cached:
        return self

    def only(self, *fields: str) -> _Cached:
        return self

    def get(self) -> Application:
        return self.row

    def db_manager(self, using: object) -> _Cached:
        return self

    def _chain(self) -> _Cached:
        return self

    @property
    def _db(self) -> None:
        return None
