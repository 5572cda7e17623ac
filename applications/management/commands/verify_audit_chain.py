"""Walk the audit chain; exit 0 when sound, 1 naming the first broken event otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from applications.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain and name the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
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
