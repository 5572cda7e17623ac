"""Retry letters that are still pending or failed (e.g. from cron, after fixing a renderer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from documents.models import Letter
from documents.services import OPEN_LETTER_STATUSES
from documents.tasks import issue_with_retries


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
        cutoff = timezone.now() - dt.timedelta(seconds=min_age)
        ids = list(
            Letter.objects.filter(status__in=OPEN_LETTER_STATUSES, created_at__lte=cutoff)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
        )
        issued = sum(issue_with_retries(letter_id=pk, attempts=attempts) for pk in ids)
        failed = len(ids) - issued
        self.stdout.write(f"{issued} letter(s) issued, {failed} still failing.")
        if failed:
            raise SystemExit(1)
