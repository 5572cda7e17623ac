"""``manage.py backup FILE [--include-private-keys]``: the database and every private file it
names, consistent, in one tar file with a manifest of SHA-256s (documents/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the private files (uploads, letters, certificates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, help="The backup file to write (new).")
        parser.add_argument(
            "--include-private-keys",
            action="store_true",
            help="Also include the letter-sealing key file (keep such a backup locked away).",
        )

    def handle(
        self, *args: Any, destination: Path, include_private_keys: bool, **options: Any
    ) -> None:
        try:
            manifest = backup_create(
                destination=destination, include_private_keys=include_private_keys
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {destination}: {manifest['database']['vendor']} database, "
                f"{len(manifest['files'])} files, {manifest['audit']['events']} audit events."
            )
        )
