"""Issue an API token for a user and print it once; only its hash is stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.auth import api_token_issue
from core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it once (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. audit-2026.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, raw = api_token_issue(username=options["username"], name=options["name"])
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Token {token.prefix} issued to {token.user.get_username()}; "
            "store it now, it is not shown again."
        )
        self.stdout.write(raw)
