"""Load the Korean programmes, demo users for every role and sample cases (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, USERS, seed_demo


class Command(BaseCommand):
    help = "Seed programmes, tracks, demo users and sample applications in every status."

    def handle(self, *args: Any, **options: Any) -> None:
        created, _users = seed_demo()
        self.stdout.write(
            "Sample applications created." if created else "Sample applications already present."
        )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {'admin':<12} operator (Django admin at /admin/)")
        for username, role, where, _name in USERS:
            self.stdout.write(f"  {username:<12} {role.label} {where or ''}".rstrip())
        self.stdout.write(
            "Staff sign in at /review/ with a second step: the 6-digit code printed by "
            "`manage.py demo_totp <username>`."
        )
