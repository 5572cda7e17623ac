"""Retry letters that are still pending or failed (e.g. from cron, after fixing a renderer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.tasks import issue_open_letters


class Command(BaseCommand):
    help = "Issue every letter still pending or failed (older than --min-age seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            help="Skip letters created less than this many seconds ago (their task may still run).",
        )
        parser.add_argument("--attempts", type=int, default=1, help="Attempts per letter now.")

    def handle(self, *args: Any, min_age: int, attempts: int, **options: Any) -> None:
        issued, failed = issue_open_letters(
            older_than=dt.timedelta(seconds=min_age), attempts=attempts
        )
        self.stdout.write(f"{issued} letter(s) issued, {failed} still failing.")
        if failed:
            raise SystemExit(1)
