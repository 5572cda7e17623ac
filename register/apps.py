from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    """The public side: the register of granted waivers, statistics and open data, built on the
    case kernel and the letters."""

    name = "register"
    verbose_name = _("Public register")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects, vocabulary
        from register import services
        from register.vocabulary import REGISTER_WORDING, RegisterAction

        vocabulary.register(RegisterAction, REGISTER_WORDING)
        effects.on_decision(
            services.register_entry_on_decision, many=services.register_entries_on_decisions
        )
        deadlines.register_tick_job(deadlines.TickJob("register", services.register_reconcile))
        deadlines.register_tick_job(deadlines.TickJob("statistics", services.statistics_tick))
