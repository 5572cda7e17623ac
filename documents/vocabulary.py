"""The documents app's audit actions and how they read (see ``applications/vocabulary.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.vocabulary import Wording


class DocumentAction(models.TextChoices):
    DOCUMENT_UPLOADED = "document_uploaded"
    DOCUMENT_REMOVED = "document_removed"
    LETTER_ISSUED = "letter_issued"
    LETTER_CORRECTION_ORDERED = "letter_correction_ordered"
    PAPER_ISSUED = "paper_issued"


DOCUMENT_WORDING: dict[str, Wording] = {
    DocumentAction.DOCUMENT_UPLOADED: Wording(_("File uploaded"), _("A file was uploaded.")),
    DocumentAction.DOCUMENT_REMOVED: Wording(
        _("File removed"), _("A file was removed from the draft.")
    ),
    DocumentAction.LETTER_ISSUED: Wording(_("Letter issued"), _("A letter was issued.")),
    DocumentAction.LETTER_CORRECTION_ORDERED: Wording(
        _("Letter correction ordered"),
        _("The ministry ordered a corrected letter; it replaces the earlier one once issued."),
    ),
    # Papers (agenda papers, minutes) belong to no single case: no case timeline shows them.
    DocumentAction.PAPER_ISSUED: Wording(_("Paper sealed and stored"), None),
}
