"""``manage.py restore FILE``: a backup into an empty installation, then verified (the audit
chain, every file's SHA-256); exits non-zero on any problem (documents/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into an empty installation and verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="The backup file.")

    def handle(self, *args: Any, source: Path, **options: Any) -> None:
        try:
            report = backup_restore(source=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if report.problems:
            raise CommandError("Restored, but: " + "; ".join(report.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified: {report.events} audit events, {report.files} files."
            )
        )
