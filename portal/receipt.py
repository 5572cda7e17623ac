"""The receipt (접수증) of a submitted application: what was received, when, from whom, the
legal deadline the programme now owes and what happens next — a PDF the applicant downloads
from the case page at any time, in the organisation's language.

Made afresh on every download from recorded facts with the letters' machinery (WeasyPrint through
the static-only fetcher, the letters' fonts and stylesheet, PDF/A-3b with the receipt's record
attached as JSON; ``documents.papers.paper_render_unsealed``). It is not sealed: a receipt is no
decision of the authority, and it prints the deadline as it stands on the day it is printed, so
its bytes change and a seal could not vouch for one fixed text (docs/portal.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.workflow import ApplicationStatus as S
from applications.workflow import TrackKind
from core.dates import reader_date, reader_moment
from documents.models import Document
from documents.papers import PaperSpec, paper_render_unsealed

HEADINGS: dict[str, Promise] = {
    "title": _("Receipt of application"),
    "reference": _("Reference number"),
    "received": _("Received"),
    "applicant": _("Applicant"),
    "registration_number": _("Business registration number"),
    "representative": _("Representative"),
    "address": _("Address"),
    "service": _("Service"),
    "programme": _("Programme"),
    "track": _("Track"),
    "ministry": _("Ministry"),
    "attachments": _("Attachments received"),
    "deadline": _("Legal deadline"),
    "next": _("What happens next"),
    "printed": _("Printed"),
}

# Statuses in which the programme owes an answer by ``due_at``.
DEADLINE_RUNS = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.DELIBERATION})


def _both(text: Promise, language: str) -> dict[str, str]:
    other = "en" if language == "ko" else "ko"
    with translation.override(other):
        alt = str(text)
    return {"main": str(text), "alt": alt}


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024):,} KB"


def _deadline(app: Application) -> str:
    """The deadline the programme owes now, in a sentence (active language)."""
    if app.status in DEADLINE_RUNS and app.due_at:
        day = reader_date(app.program.local_date(app.due_at))
        if app.track.kind == TrackKind.CONFIRMATION:
            return gettext(
                "The ministry must answer by %(date)s. If it does not, it is deemed that no "
                "regulation applies to the service."
            ) % {"date": day}
        return gettext("The case must be put to the committee by %(date)s.") % {"date": day}
    if app.status == S.SUPPLEMENT_REQUESTED and app.supplement_due_at:
        return gettext(
            "The deadline is paused: the ministry asked for more information, and the clock "
            "runs again once you answer (answer by %(date)s)."
        ) % {"date": reader_date(app.program.local_date(app.supplement_due_at))}
    return gettext("No deadline runs now: the ministry has finished with this application.")


def _next(app: Application) -> str:
    if app.status not in DEADLINE_RUNS and app.status != S.SUPPLEMENT_REQUESTED:
        return gettext(
            "The review of this application is over: the case page in the portal shows the "
            "outcome, its letter and what you must do now."
        )
    if app.track.kind == TrackKind.CONFIRMATION:
        return gettext(
            "The ministry checks whether a regulation or permit applies to your service and "
            "answers in writing. It may ask you for more information first; the deadline "
            "pauses until you answer. Follow the case on its page in the portal."
        )
    return gettext(
        "The ministry checks that the application is complete and may ask you for more "
        "information (the deadline pauses until you answer). It then reviews the case, asks "
        "related ministries for their opinion and puts it to the committee, which decides. "
        "You get a letter with the decision. Follow the case on its page in the portal."
    )


def receipt_spec(app: Application, *, now: dt.datetime | None = None) -> PaperSpec:
    """What the receipt says, in the organisation's language. The case must be submitted."""
    if app.reference is None or app.submitted_at is None:
        raise ValueError("A draft has no receipt.")
    language = app.organization.language if app.organization.language in ("ko", "en") else "ko"
    now = now or timezone.now()
    tz = app.program.tz
    attachments = [
        d
        for d in Document.objects.filter(application=app, stage=S.DRAFT).order_by(
            "doc_type", "version"
        )
    ]
    with translation.override(language):
        context: dict[str, Any] = {
            "lang": language,
            "h": {key: _both(text, language) for key, text in HEADINGS.items()},
            "heading": str(HEADINGS["title"]),
            "reference": app.reference,
            "received": reader_moment(timezone.localtime(app.submitted_at, tz)),
            "printed": reader_moment(timezone.localtime(now, tz)),
            "ministry": app.program.lead_ministry.display_name,
            "department": app.program.department_en
            if language == "en" and app.program.department_en
            else app.program.department,
            "organization": app.organization,
            "title": app.title,
            "programme": app.program.display_name,
            "track": app.track.display_name,
            "attachments": [
                {
                    "type": d.type_label,
                    "name": d.original_name,
                    "version": d.version,
                    "size": _size(d.size),
                    "sha256": d.sha256,
                }
                for d in attachments
            ],
            "no_attachments": gettext("No files were attached."),
            "deadline": _deadline(app),
            "next": _next(app),
            "intro": gettext(
                "The ministry has received the application below. Keep this receipt: quote the "
                "reference number whenever you contact the ministry."
            ),
            "note": gettext(
                "This receipt confirms receipt only; it is not a decision. The deadline is the "
                "one that applies on the day it was printed."
            ),
        }
    record = {
        "kind": "receipt",
        "reference": app.reference,
        "submitted_at": app.submitted_at.isoformat(),
        "due_at": app.due_at.isoformat() if app.due_at else None,
        "printed_at": now.isoformat(),
        "attachments": [
            {"type": d.doc_type, "name": d.original_name, "version": d.version, "sha256": d.sha256}
            for d in attachments
        ],
    }
    return PaperSpec(
        reference=f"{app.reference}-receipt",
        kind="receipt",
        title=context["heading"],
        language=language,
        template="portal/receipt.html",
        context=context,
        record=record,
    )


def receipt_pdf(app: Application, *, now: dt.datetime | None = None) -> bytes:
    """The receipt as PDF bytes (takes about a second: WeasyPrint)."""
    return paper_render_unsealed(receipt_spec(app, now=now))
