"""Files attached to cases: applicants' uploads (and, in their own section, decision letters).

Each section keeps to itself; the rules are in ``documents/uploads.py`` (and the letter modules),
every write in ``documents/services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Uploads -----------------------------------------------------------------------------------


class DocumentType(models.TextChoices):
    """Well-known document types; a track's ``required_document_types`` may name others too."""

    BUSINESS_PLAN = "business_plan", _("Business plan")
    SAFETY_PLAN = "safety_plan", _("Safety plan")
    USER_PROTECTION_PLAN = "user_protection_plan", _("User protection plan")
    TEST_REPORT = "test_report", _("Test or certification report")
    INSURANCE = "insurance", _("Insurance certificate")
    SUPPLEMENT = "supplement", _("Supplementary material")
    REPORT = "report", _("Report attachment")
    INCIDENT = "incident", _("Incident evidence")
    USER_NOTICE = "user_notice", _("User notice evidence")
    OPINION = "opinion", _("Opinion on a prior notice")
    CURE_EVIDENCE = "cure_evidence", _("Evidence of the cure")
    HEARING_MINUTES = "hearing_minutes", _("Hearing minutes")
    OTHER = "other", _("Other")


# Filed during the term with a report, an incident or user-notice evidence, never with a draft.
TERM_DOCUMENT_TYPES = frozenset(
    {
        DocumentType.REPORT,
        DocumentType.INCIDENT,
        DocumentType.USER_NOTICE,
        DocumentType.OPINION,
        DocumentType.CURE_EVIDENCE,
        DocumentType.HEARING_MINUTES,
    }
)


class Document(models.Model):
    """One uploaded file version. Rows and files are never changed: a new upload of the same
    type is a new version; only a draft's own files may be removed before submission."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="documents"
    )
    doc_type = models.CharField(_("document type"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    original_name = models.CharField(_("file name"), max_length=200)
    storage_name = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stage = models.CharField(
        _("case status when uploaded"),
        max_length=32,
        help_text=_("draft: part of the application; later statuses: sent afterwards."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["application", "doc_type", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "doc_type", "version"], name="document_version_unique"
            )
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.doc_type} v{self.version} {self.original_name}"

    @property
    def type_label(self) -> str:
        return document_type_label(self.doc_type)


def document_type_label(code: str) -> str:
    """The translated name of a document type, or the code itself for a type set up as data."""
    try:
        return str(DocumentType(code).label)
    except ValueError:
        return code.replace("_", " ")


# --- end of Uploads ------------------------------------------------------------------------------


# --- Letters -----------------------------------------------------------------------------------


class LetterKind(models.TextChoices):
    APPROVAL = "approval", _("Designation (approval)")
    REJECTION = "rejection", _("Rejection")
    CONFIRMATION = "confirmation", _("Fast-confirmation answer")
    DEEMED_CONFIRMATION = "deemed_confirmation", _("Deemed confirmation")
    EXTENSION = "extension", _("Extension")
    SUSPENSION = "suspension", _("Suspension")
    REVOCATION = "revocation", _("Revocation")
    EXPIRY = "expiry", _("Expiry notice")
    PRIOR_NOTICE = "prior_notice", _("Prior notice")
    HEARING_NOTICE = "hearing_notice", _("Hearing notice")
    URGENT_SUSPENSION = "urgent_suspension", _("Urgent suspension")
    SUSPENSION_EXTENSION = "suspension_extension", _("Suspension extended")
    RESUMPTION = "resumption", _("Resumption")
    LAW_AMENDMENT = "law_amendment", _("Continuation pending law amendment")
    CONVERSION = "conversion", _("Conversion into a temporary permit")
    CONTINUATION_END = "continuation_end", _("End of continuation")


class LetterStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed (will be retried)")


class Letter(models.Model):
    """A decision letter. Created ``pending`` in the decision's transaction; the rendered, sealed
    PDF is stored once (``issued``) and never changed: a correction is a new letter that
    supersedes this one."""

    number = models.CharField(_("letter number"), max_length=40, unique=True)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="letters"
    )
    decision = models.ForeignKey(
        "applications.Decision", on_delete=models.PROTECT, related_name="letters"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=8, default="ko")
    status = models.CharField(
        _("status"), max_length=16, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    created_at = models.DateTimeField(_("created at"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    storage_name = models.CharField(max_length=64, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    correction_reason = models.TextField(
        _("reason for the correction"),
        blank=True,
        help_text=_("Set on a letter that supersedes an earlier one; printed on the letter."),
    )
    verification_code = models.CharField(
        _("verification code"),
        max_length=14,
        blank=True,
        editable=False,
        help_text=_(
            "Printed on the letter beside its QR code; with the number it opens the public check "
            "page (the number alone shows nothing)."
        ),
    )

    class Meta:
        ordering = ["application", "created_at", "id"]
        # The public check page finds a letter from an uploaded PDF by its hash.
        indexes = [models.Index(fields=["sha256"], name="letter_sha256")]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        return self.number

    @property
    def is_issued(self) -> bool:
        return self.status == LetterStatus.ISSUED


# --- end of Letters ------------------------------------------------------------------------------


# --- Papers ------------------------------------------------------------------------------------


class Paper(models.Model):
    """A sealed PDF that is not a decision letter: made from a template and data an app that
    builds on ``documents`` provides (``committees``: agenda papers and minutes), stored once
    with its SHA-256 and never changed. It belongs to no single case; the app that asked for it
    keeps the link (``documents`` knows nothing of meetings)."""

    reference = models.CharField(_("reference"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(_("language"), max_length=8, default="ko")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    storage_name = models.CharField(max_length=64, unique=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return self.reference


# --- end of Papers -------------------------------------------------------------------------------
