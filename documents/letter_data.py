"""What a letter says: everything the renderer prints, read from the database once.

``letter_input`` turns a ``Letter`` (with its decision, case, organisation and programme) into
plain data; ``documents/letters.py`` turns that data into PDF bytes without touching the
database. The decision record embedded in the PDF as ``decision.json`` is built here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from applications.models import Application, Decision, DecisionKind
from documents import letter_wording as w
from documents.letter_procedure import procedure_sections
from documents.models import Letter, LetterKind

K = LetterKind


@dataclass(frozen=True)
class LetterInput:
    """Plain data for one letter: the template context and the embedded decision record."""

    kind: str
    language: str
    number: str
    context: dict[str, Any]
    record_json: bytes
    title: str
    author: str
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LetterSection:
    """A titled list that an app building on documents adds to a letter: ``title`` in the
    letter's language (``main``) and the other one (``alt``), like the letter's own headings;
    ``lines`` in the letter's language."""

    title: dict[str, str]
    lines: list[str]


# ``provider(letter=…, language=…)`` → the sections it adds (usually none or one). Providers
# read, never write: they run while the letter is rendered, after the decision committed.
SectionProvider = Callable[..., list[LetterSection]]
_section_providers: list[SectionProvider] = []


def register_section(provider: SectionProvider) -> SectionProvider:
    """Subscribe a provider of extra titled lines for letters (from ``AppConfig.ready``;
    ``supervision``: the reporting schedule and the minimum insured amount)."""
    if provider not in _section_providers:
        _section_providers.append(provider)
    return provider


def extra_sections(letter: Letter, language: str) -> list[LetterSection]:
    """What the subscribed providers add to ``letter``, in subscription order."""
    sections: list[LetterSection] = []
    for provider in _section_providers:
        sections += [s for s in provider(letter=letter, language=language) if s.lines]
    return sections


def _pick(language: str, korean: str, english: str) -> str:
    """The English variant of a configured name when the letter is in English and one is set."""
    return english if language == "en" and english else korean


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value.isoformat()


def decision_fields(decision: Decision) -> dict[str, Any]:
    """The decision exactly as recorded (the ``decision`` part of ``decision.json``)."""
    return {
        "id": decision.pk,
        "kind": decision.kind,
        "decided_at": _iso(decision.decided_at),
        "decided_by": decision.decided_by.get_username() if decision.decided_by else "system",
        "committee_reference": decision.committee_reference,
        "legal_basis": decision.legal_basis,
        "term_start": _iso(decision.term_start),
        "term_end": _iso(decision.term_end),
        "conditions": list(decision.conditions or []),
        "exempted_provisions": list(decision.exempted_provisions or []),
        "reasons": decision.reasons,
        "confirmation_outcome": decision.confirmation_outcome,
        "permits": decision.permits,
        "competent_authority": decision.competent_authority,
        "details": decision.details or {},
    }


def decision_record(letter: Letter) -> dict[str, Any]:
    """The machine-readable twin of the letter, embedded in the PDF (PDF/A-3 ``Source``)."""
    app: Application = letter.application
    org = app.organization
    return {
        "format": "sandbox-decision-letter/1",
        "letter": {
            "number": letter.number,
            "kind": letter.kind,
            "version": letter.version,
            "language": letter.language,
            "supersedes": letter.supersedes.number if letter.supersedes else None,
        },
        "application": {
            "reference": app.reference,
            "title": app.title,
            "program": app.program.code,
            "track": app.track.code,
        },
        "recipient": {
            "name": org.name,
            "representative": org.representative,
            "registration_number": org.registration_number,
            "address": org.address,
        },
        "authority": {"name": app.program.authority, "ministry": app.program.lead_ministry.code},
        "decision": decision_fields(letter.decision),
    }


def check_path(number: str, code: str = "") -> str:
    """The public check page of a letter; with its code, the page opens the letter's details
    (the QR code carries it, the printed address does not need to)."""
    path = reverse("letter-verify", args=[number])
    return f"{path}?{urlencode({'code': code})}" if code else path


LOOPBACK_HOSTS = {"localhost", "0.0.0.0", "::", "::1"}


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine only (``127.0.0.1``, ``localhost``, ``[::1]`` …)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def letter_url_problem() -> str:
    """Why letters may not be issued with this site's address, or ``""``: a loopback
    ``SITE_URL`` with ``DEBUG`` off would print ``127.0.0.1`` on legal documents
    (``LETTER_LOOPBACK_OK`` allows it for a trial run on one machine)."""
    loopback_ok = getattr(settings, "LETTER_LOOPBACK_OK", settings.DEBUG)
    if loopback_ok or not is_loopback_url(str(settings.SITE_URL)):
        return ""
    return (
        f"SITE_URL is {settings.SITE_URL!r}, an address of this machine only: letters would "
        "print it as their verification address. Set SITE_URL to the site's public address "
        "(or LETTER_LOOPBACK_OK=1 for a trial run on one machine)."
    )


def verify_url(number: str, code: str = "") -> str:
    problem = letter_url_problem()
    if problem:
        raise ImproperlyConfigured(problem)
    return settings.SITE_URL.rstrip("/") + check_path(number, code)


def _qr_svg(url: str) -> str:
    """The verification URL as an inline SVG QR code (drawn here: nothing is fetched)."""
    return str(segno.make(url, error="m").svg_inline(scale=2, border=2, omitsize=False))


def _outcome(decision: Decision, kind: str, language: str) -> str:
    if kind in (K.CONFIRMATION, K.DEEMED_CONFIRMATION):
        return w.text(
            f"outcome_{decision.confirmation_outcome or 'deemed_no_regulation'}", language
        )
    return w.text(f"outcome_{kind}", language)


def legal_basis_line(statute: str, legal_basis: str) -> str:
    """The legal basis, with the statute named once (``정보통신융합법 제38조의2``, not
    ``정보통신융합법 — 정보통신융합법 제38조의2``)."""
    if not legal_basis:
        return statute
    if not statute or statute in legal_basis:
        return legal_basis
    return f"{statute} {legal_basis}"


def _extension_rule(decision: Decision, lang: str) -> str:
    """How the term may still be extended, counting the extensions granted up to this
    decision: after the last one allowed, the letter says no other may be requested."""
    track = decision.application.track
    if not track.max_extensions:
        return w.text("no_extension_rule", lang)
    used = Decision.objects.filter(
        application=decision.application,
        kind=DecisionKind.EXTENSION,
        decided_at__lte=decision.decided_at,
    ).count()
    if used >= track.max_extensions:
        return w.text("last_extension_rule", lang, max=track.max_extensions)
    return w.text(
        "extension_rule",
        lang,
        max=track.max_extensions,
        duration=w.duration(track.extension_term_days, lang),
    )


def sign_off(app: Application, lang: str) -> dict[str, str]:
    """The sender's block of a Korean official document: department, the responsible officer
    (the case's assigned officer) with their telephone and email (the department's when they
    have none), and the disclosure class."""
    program = app.program
    officer = app.assigned_officer
    profile = getattr(officer, "staff_profile", None) if officer is not None else None
    return {
        "department": _pick(lang, program.department, program.department_en),
        "officer": (officer.get_full_name() or "") if officer is not None else "",
        "phone": (profile.phone if profile is not None else "") or program.phone,
        "email": (officer.email if officer is not None else "") or program.email,
        "disclosure": w.text(f"disclosure_{program.disclosure}", lang),
    }


def approval_line(app: Application, decision: Decision, lang: str) -> list[dict[str, str]]:
    """The programme's approval boxes (결재란), drafter first: the responsible officer drafts,
    the decision maker signs the last box; the boxes between are left for the hand stamps."""
    boxes = [
        {"title": str(box.get(lang) or box.get("ko") or ""), "name": ""}
        for box in app.program.approval_line or []
        if isinstance(box, dict)
    ]
    if boxes and app.assigned_officer is not None:
        boxes[0]["name"] = app.assigned_officer.get_full_name()
    if len(boxes) > 1 and decision.decided_by is not None:
        boxes[-1]["name"] = decision.decided_by.get_full_name()
    return boxes


def letter_input(letter: Letter, *, issued_at: dt.datetime) -> LetterInput:
    """Everything the letter prints, for ``letters.render``. Reads, never writes."""
    lang = letter.language if letter.language in w.LANGUAGES else "ko"
    decision, app = letter.decision, letter.application
    program, track, org = app.program, app.track, app.organization
    ministry = program.lead_ministry
    kind = letter.kind
    issue_day = program.local_date(issued_at)
    decided_day = program.local_date(decision.decided_at)
    effective = decision.term_start if kind == K.APPROVAL and decision.term_start else decided_day
    record_json = json.dumps(
        decision_record(letter), ensure_ascii=False, sort_keys=True, indent=2
    ).encode("utf-8")
    title_key = (
        "approval_temporary_permit"
        if (kind == K.APPROVAL and track.code == "temporary_permit")
        else kind
    )
    title = w.title(title_key, lang)
    authority = _pick(lang, program.authority, program.authority_en) or _pick(
        lang, ministry.name, ministry.name_en
    )
    url = verify_url(letter.number)
    qr_url = verify_url(letter.number, letter.verification_code)
    period = ""
    if decision.term_start and decision.term_end:
        period = (
            f"{w.long_date(decision.term_start, lang)} – {w.long_date(decision.term_end, lang)}"
        )
    in_force = kind in (K.APPROVAL, K.EXTENSION)
    law_deadline = ""
    if in_force and decision.term_end and track.law_amendment_lead_days:
        law_deadline = w.text(
            "law_amendment_rule",
            lang,
            duration=w.duration(track.law_amendment_lead_days, lang),
            date=w.long_date(
                decision.term_end - dt.timedelta(days=track.law_amendment_lead_days), lang
            ),
        )
    extension_rule = ""
    if in_force:
        extension_rule = _extension_rule(decision, lang)
    obligations: list[str] = []
    if in_force:
        if track.insurance_required:
            obligations.append(w.text("obligation_insurance", lang))
        obligations += [w.text("obligation_notice", lang), w.text("obligation_reporting", lang)]
    effects_key = {
        K.REJECTION: "effect_rejection",
        K.EXTENSION: "effect_extension",
        K.SUSPENSION: "effect_suspension",
        K.REVOCATION: "effect_revocation",
        K.EXPIRY: "effect_expiry",
        K.URGENT_SUSPENSION: "effect_suspension",
        K.SUSPENSION_EXTENSION: "effect_suspension",
        K.RESUMPTION: "effect_resumption",
        K.CONVERSION: "effect_conversion",
        K.CONTINUATION_END: "effect_expiry",
    }.get(K(kind))
    effect = w.text(effects_key, lang, days=track.reconsideration_days) if effects_key else ""
    headings = {key: w.heading(key, lang) for key in w.HEADINGS}
    context: dict[str, Any] = {
        "lang": lang,
        "kind": kind,
        "number": letter.number,
        "version": letter.version,
        "h": headings,
        "title": title,
        "authority": {
            "name": authority,
            "ministry": _pick(lang, ministry.name, ministry.name_en),
            "department": _pick(lang, program.name, program.name_en),
        },
        "issue_date": w.long_date(issue_day, lang),
        "effective_date": w.long_date(effective, lang),
        "recipient": {
            "name": org.name,
            "representative": org.representative,
            "registration_number": org.registration_number,
            "address": org.address,
        },
        "case": {"reference": app.reference or "", "title": app.title},
        "intro": w.text(f"intro_{kind}", lang),
        "legal_basis": decision.legal_basis or track.legal_basis,
        "statute": _pick(lang, program.statute, program.statute_en),
        "legal_basis_line": legal_basis_line(
            _pick(lang, program.statute, program.statute_en),
            decision.legal_basis or track.legal_basis,
        ),
        "sign_off": sign_off(app, lang),
        "approval_line": approval_line(app, decision, lang),
        "end_mark": w.text("end_mark", lang),
        "committee": decision.committee_reference,
        "committee_name": _pick(lang, program.committee, program.committee_en),
        "outcome": _outcome(decision, kind, lang),
        "exempted": list(decision.exempted_provisions or []),
        "scope": {
            "period": period,
            "region": app.region,
            "scale": app.scale,
            "users": w.text("users_max", lang, n=f"{app.max_users:,}") if app.max_users else "",
        },
        "conditions": list(decision.conditions or []),
        "no_conditions": w.text("no_conditions", lang),
        "not_stated": w.text("not_stated", lang),
        "obligations": obligations,
        "extension_rule": extension_rule,
        "law_amendment_rule": law_deadline,
        "revocation_grounds": [
            w.text("revocation_ground_false", lang),
            w.text("revocation_ground_conditions", lang),
            w.text("revocation_ground_harm", lang),
        ]
        if in_force
        else [],
        "reasons": decision.reasons,
        "effect": effect,
        "permits": decision.permits,
        "competent_authority": decision.competent_authority,
        # A notice of an intended measure or of a hearing is not itself a disposition.
        "appeal": "" if kind in (K.PRIOR_NOTICE, K.HEARING_NOTICE) else w.text("appeal", lang),
        "publication": w.text("publication", lang)
        if kind in (K.APPROVAL, K.EXTENSION, K.REVOCATION)
        else "",
        "supersedes": w.text("supersedes", lang, number=letter.supersedes.number)
        if letter.supersedes
        else "",
        "correction_reason": letter.correction_reason,
        "sections": extra_sections(letter, lang),
        "procedure": procedure_sections(
            kind=kind,
            details=decision.details,
            language=lang,
            tz=program.tz,
            tracks={t.code: _pick(lang, t.name, t.name_en) for t in program.tracks.all()},
        ),
        "verification": {
            "text": w.text("verification", lang),
            "url": url,
            "code_label": w.text("verification_code", lang),
            "code": letter.verification_code,
            "record_label": w.text("record_hash", lang),
            "record_sha256": hashlib.sha256(record_json).hexdigest(),
            "qr_svg": _qr_svg(qr_url),
            "seal_note": w.text("seal_note", lang),
        },
    }
    return LetterInput(
        kind=kind,
        language=lang,
        number=letter.number,
        context=context,
        record_json=record_json,
        title=f"{title['main']} {letter.number}",
        author=authority,
        keywords=[letter.number, app.reference or "", kind, org.name],
    )
