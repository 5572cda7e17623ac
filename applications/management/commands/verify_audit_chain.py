"""Walk the audit chain; exit 0 when sound, 1 naming the first broken event otherwise. On a
terminal, the walk's progress (events walked of the total, and the rate) is shown as it goes.
Being a process of its own, it may walk a long chain on two processes (``VERIFY_SPLIT``)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from applications import audit
from applications.audit import Progress, audit_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain and name the first broken event."

    def progress(self) -> Progress | None:
        """A progress line rewritten in place, when stdout is a terminal (never in a log)."""
        if not self.stdout.isatty():
            return None
        started = time.monotonic()

        def show(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"\r{done:,} / {total:,} events, {rate:,.0f} events/s", ending="")
            self.stdout.flush()

        return show

    def handle(self, *args: Any, **options: Any) -> None:
        progress = self.progress()
        audit.VERIFY_SPLIT = audit.split_verification_suits_this_machine()
        report = audit_verify(progress=progress)
        if progress is not None:
            self.stdout.write("")
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event #{report.first_broken_seq}: {report.problem} "
                f"({report.events_checked} events verified before it)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain OK: {report.events_checked} events, head {report.head_hash}."
            )
        )
