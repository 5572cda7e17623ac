"""Revoke an API token by its prefix (the part after ``sbx_``); it stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.auth import api_token_revoke
from api.models import ApiToken
from core.errors import DomainError


class Command(BaseCommand):
    help = "Revoke the API token with PREFIX, or list tokens with --list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", nargs="?", help="The 8 characters after sbx_.")
        parser.add_argument("--list", action="store_true", help="List tokens instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for token in ApiToken.objects.select_related("user"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.prefix}  {token.user.get_username():<20} {state:<18} "
                    f"last used {used}  {token.name}"
                )
            return
        if not options["prefix"]:
            raise CommandError("Give the token prefix to revoke (or --list).")
        try:
            token = api_token_revoke(prefix=options["prefix"])
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Token {token.prefix} of {token.user.get_username()} revoked.")
