"""Print the current two-factor code of a staff member's device (for the demo logins)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.twofactor import confirmed_device, current_code


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code for a staff user (demo use: staff sign-in)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        device = confirmed_device(user)
        if device is None:
            raise CommandError(
                f"{user.username} has no confirmed two-factor device; run seed_demo, or sign in "
                "and set one up at /review/2fa/setup/."
            )
        self.stdout.write(current_code(device))
