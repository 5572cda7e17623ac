"""Consultations: opinion requests to related ministries, their answers and their lapse
("no opinion (deemed)").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.audit import appends_at_end
from applications.availability import require_open
from applications.models import (
    Application,
    Consultation,
    ConsultationStatus,
    Ministry,
    Opinion,
)
from applications.roles import Role
from applications.services.kernel import (
    application_row_lock,
    clean_text,
    event_record,
    require,
    require_version,
    require_visible,
)
from applications.vocabulary import AuditAction
from core.errors import InvalidInput, WrongState


def consultation_request(
    *,
    application: Application,
    by: Any,
    ministries: Iterable[Ministry],
    question: str,
    expected_version: int | None = None,
) -> list[Consultation]:
    """The assigned officer asks related ministries for an opinion, each with a deadline."""
    targets = list(dict.fromkeys(ministries))
    if not targets:
        raise InvalidInput({"ministries": _("Choose at least one ministry to consult.")})
    text = clean_text(question, "question", _("Write the question for the consulted ministries."))
    at = timezone.now()
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require_open("request_consultation", by, app)
        if any(m.pk == app.program.lead_ministry_id for m in targets):
            raise InvalidInput({"ministries": _("The lead ministry cannot consult itself.")})
        pending = set(
            app.consultations.filter(status=ConsultationStatus.PENDING).values_list(
                "ministry_id", flat=True
            )
        )
        already = [m for m in targets if m.pk in pending]
        if already:
            raise InvalidInput(
                {
                    "ministries": _("An opinion request to %(ministry)s is already open.")
                    % {"ministry": already[0].display_name}
                }
            )
        due_at = at + dt.timedelta(days=app.track.consultation_days)
        created = [
            Consultation.objects.create(
                application=app,
                ministry=m,
                requested_by=by,
                requested_at=at,
                due_at=due_at,
                question=text,
            )
            for m in targets
        ]
        app.version += 1
        app.save(update_fields=["version", "updated_at"])
        event_record(
            app,
            by,
            Role.CASE_OFFICER,
            AuditAction.CONSULTATION_REQUESTED,
            {"ministries": [m.code for m in targets], "due_at": due_at},
        )
    return created


def consultation_answer(
    *,
    consultation: Consultation,
    by: Any,
    opinion: str,
    reasons: str = "",
    expected_version: int | None = None,
) -> Consultation:
    """A consultee of the addressed ministry gives its opinion, with reasons where it objects or
    sets conditions."""
    if opinion not in (Opinion.AGREE, Opinion.AGREE_WITH_CONDITIONS, Opinion.OBJECT):
        raise InvalidInput({"opinion": _("Choose agree, agree with conditions, or object.")})
    if opinion != Opinion.AGREE and not reasons.strip():
        raise InvalidInput({"reasons": _("Give the conditions or the reasons for objecting.")})
    at = timezone.now()
    with appends_at_end():
        app = application_row_lock(consultation.application)
        require_visible(by, app)
        require_version(app, expected_version)
        item = Consultation.objects.select_for_update().get(pk=consultation.pk)
        require(perms.can_answer_consultation, by, item)
        if item.status != ConsultationStatus.PENDING:
            raise WrongState(_("This opinion request is no longer open."))
        item.status, item.opinion, item.reasons = (
            ConsultationStatus.ANSWERED,
            opinion,
            reasons.strip(),
        )
        item.answered_by, item.answered_at = by, at
        item.save()
        event_record(
            app,
            by,
            Role.CONSULTEE,
            AuditAction.CONSULTATION_ANSWERED,
            {"ministry": item.ministry.code, "opinion": opinion, "reasons": item.reasons},
        )
    return item


def _lapsed(at: dt.datetime) -> dict[str, Any]:
    return {
        "status": ConsultationStatus.LAPSED,
        "opinion": Opinion.NO_OPINION_DEEMED,
        "answered_at": at,
    }


def _lapse_event(app: Application, item: Consultation, at: dt.datetime, rule: str) -> None:
    event_record(
        app,
        None,
        Role.SYSTEM,
        AuditAction.CONSULTATION_LAPSED,
        {
            "ministry": item.ministry.code,
            "rule": rule or "consultation_lapse",
            "due_at": item.due_at,
        },
        at=at,
    )


def consultation_lapse_record(
    app: Application, item: Consultation, at: dt.datetime, rule: str = ""
) -> None:
    for name, value in _lapsed(at).items():
        setattr(item, name, value)
    item.save()
    _lapse_event(app, item, at, rule)


def consultation_lapse(
    *, consultation: Consultation, now: dt.datetime | None = None, rule: str = ""
) -> Consultation:
    """System: no opinion by the deadline is recorded as "no opinion (deemed)"."""
    at = now or timezone.now()
    with appends_at_end():
        app = application_row_lock(consultation.application)
        item = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if item.status != ConsultationStatus.PENDING or item.due_at > at:
            raise WrongState(_("This opinion request is not overdue."))
        consultation_lapse_record(app, item, at, rule)
    return item


def consultations_lapse(
    *, consultations: Sequence[Consultation], now: dt.datetime, rules: Sequence[str]
) -> list[Consultation]:
    """``consultation_lapse`` for many opinion requests whose cases the caller has locked and
    read again (``application`` joined; the sweep's batch action): one ``UPDATE`` carrying the
    pending condition, one event per request."""
    items = list(consultations)
    if not items:
        return []
    for item in items:
        if item.status != ConsultationStatus.PENDING or item.due_at > now:
            raise WrongState(_("This opinion request is not overdue."))
    with appends_at_end():
        written = Consultation.objects.filter(
            pk__in=[item.pk for item in items], status=ConsultationStatus.PENDING
        ).update(**_lapsed(now))
        if written != len(items):
            raise WrongState(_("This opinion request is not overdue."))
        for item, rule in zip(items, rules, strict=True):
            for name, value in _lapsed(now).items():
                setattr(item, name, value)
            _lapse_event(item.application, item, now, rule)
    return items
