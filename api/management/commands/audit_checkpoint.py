"""Sign a checkpoint of the audit chain now (after verifying it from the last good one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.checkpoints import CheckpointRefused, checkpoint_create
from api.models import CheckpointTrigger
from documents.signing import SigningNotConfigured


class Command(BaseCommand):
    help = "Verify the audit chain from the last good checkpoint and sign its head."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint, created = checkpoint_create(trigger=CheckpointTrigger.DEMAND)
        except (CheckpointRefused, SigningNotConfigured) as error:
            raise CommandError(f"No checkpoint signed: {error}") from error
        state = "signed" if created else "unchanged since the last checkpoint"
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint #{checkpoint.seq} {checkpoint.head_hash} ({state}).")
        )
