from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    """Due process before sanctions, built on the case kernel, documents and supervision."""

    name = "sanctions"
    verbose_name = _("Sanctions and due process")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects, vocabulary
        from sanctions import selectors, services
        from sanctions.deadlines import RULES
        from sanctions.vocabulary import SANCTIONS_WORDING, SanctionsAction

        vocabulary.register(SanctionsAction, SANCTIONS_WORDING)
        effects.on_transition_guard("suspend", selectors.suspend_guard)
        effects.on_transition_guard("revoke", selectors.revoke_guard)
        effects.on_decision(services.link_measure)
        for rule in RULES:
            deadlines.register_rule(rule)
