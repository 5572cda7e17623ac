from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """The case kernel: programmes, cases, the state machine, the audit chain, every write."""

    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Imported here, as Django asks: models are loaded only by now.
        from applications import effects, notifications, vocabulary

        vocabulary.register(vocabulary.AuditAction, vocabulary.KERNEL_WORDING)
        effects.on_event(
            notifications.email_applicant_about,
            many=notifications.email_applicants_about,
            wants=notifications.emails_applicant,
        )
        post_migrate.connect(_ensure_tally, sender=self)


def _ensure_tally(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` (and a test database's flush): the case tally's triggers in place and
    its counts exact (``applications.tally``)."""
    from applications import tally

    tally.ensure(using)
