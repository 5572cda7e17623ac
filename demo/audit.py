"""Demo data for the audit chain: a signed checkpoint of the sample cases' trail, so that the
public page /audit/checkpoints/ and the API's checkpoints have one to show."""

from __future__ import annotations

from api.checkpoints import checkpoint_create
from api.models import CheckpointTrigger


def seed_audit_checkpoint() -> None:
    """Sign the chain head as the scheduler would (nothing new when it has not grown)."""
    checkpoint_create(trigger=CheckpointTrigger.SCHEDULE)
