"""``manage.py expire_unverified_sign_ups``: sign-ups never confirmed within the link's lifetime
give up their address and registration number (the scheduler does this on every tick too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import unverified_sign_ups_expire


class Command(BaseCommand):
    help = "Expire sign-ups whose email address was not confirmed in time."

    def handle(self, *args: Any, **options: Any) -> None:
        count = unverified_sign_ups_expire()
        self.stdout.write(f"{count} unverified sign-up(s) expired")
