"""Rebuild every register entry from the cases and refresh the statistics (after a restore, a
bulk import, or to check nothing drifted)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from register.services import register_rebuild, statistics_refresh


class Command(BaseCommand):
    help = "Rebuild the public register's entries from the cases and refresh the statistics."

    def handle(self, *args: Any, **options: Any) -> None:
        written = register_rebuild()
        snapshot = statistics_refresh()
        self.stdout.write(
            f"{written} register entries written; statistics as of {snapshot.computed_at:%Y-%m-%d %H:%M:%S}."
        )
