from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Uploads and decision letters, built on the case kernel."""

    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # Imported here, as Django asks: models and other apps are loaded only by now.
        from applications import deadlines, effects, vocabulary
        from documents import selectors, services, tasks
        from documents.checks import letter_site_url_check
        from documents.vocabulary import DOCUMENT_WORDING, DocumentAction

        checks.register(letter_site_url_check)
        vocabulary.register(DocumentAction, DOCUMENT_WORDING)
        effects.on_decision(services.letter_prepare, many=services.letters_prepare)
        effects.on_submission_check(selectors.missing_required_documents)
        deadlines.register_tick_job(deadlines.TickJob("letters", tasks.issue_stuck_letters))
