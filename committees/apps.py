from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    """Committee meetings: members, agendas, recusals, votes, minutes and the decisions issued
    from them, built on the case kernel and documents."""

    name = "committees"
    verbose_name = _("Committees")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects, vocabulary
        from committees import selectors, services
        from committees.vocabulary import COMMITTEE_WORDING, CommitteeAction

        vocabulary.register(CommitteeAction, COMMITTEE_WORDING)
        effects.on_decision_check(selectors.decision_through_meetings_problems)
        effects.on_event(
            services.agenda_follow_case,
            many=services.agenda_follow_cases,
            wants=services.may_leave_an_agenda,
        )
        deadlines.register_agenda_wait(selectors.awaiting_agenda)
