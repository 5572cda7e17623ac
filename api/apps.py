from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The auditor API under /api/v1/: token or session authenticated; reads cases, writes
    only auditors' own things (webhook subscriptions, checkpoints on demand)."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from api import checkpoints, tasks
        from applications import deadlines, effects

        effects.on_event(tasks.deliveries_on_event, many=tasks.deliveries_on_events)
        deadlines.register_tick_job(deadlines.TickJob("webhooks", tasks.deliver_due))
        deadlines.register_tick_job(
            deadlines.TickJob("audit_checkpoint", checkpoints.checkpoint_on_schedule)
        )
