from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Staff notifications: who is told what about a case, in the inbox under /review/inbox/
    and by email in their language (at once or in a daily digest), built on the case kernel."""

    name = "notifications"
    verbose_name = _("Staff notifications")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects
        from notifications import rules, services

        effects.on_event_in_transaction(
            services.notify_about_event, many=services.notify_about_events, wants=rules.watches
        )
        deadlines.register_tick_job(
            deadlines.TickJob("opinions-due-soon", services.opinions_due_soon_tick)
        )
        deadlines.register_tick_job(deadlines.TickJob("staff-digest", services.digest_tick))
