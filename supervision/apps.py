from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervision during the term, built on the case kernel and documents."""

    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects, vocabulary
        from applications.vocabulary import AuditAction
        from documents import letter_data
        from supervision import letters, selectors, services
        from supervision.deadlines import RULES
        from supervision.vocabulary import SUPERVISION_WORDING, SupervisionAction

        vocabulary.register(SupervisionAction, SUPERVISION_WORDING)
        effects.on_decision(services.schedule_on_decision)
        effects.on_event_in_transaction(
            services.attention_on_event,
            wants=lambda event: event.action == AuditAction.INSURANCE_PROOF_ADDED,
        )
        effects.on_transition_check("activate", selectors.activation_insurance_problems)
        effects.on_transition_check("extend", selectors.extension_insurance_problems)
        letter_data.register_section(letters.letter_sections)
        for rule in RULES:
            deadlines.register_rule(rule)
