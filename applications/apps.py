from django.apps import AppConfig
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
