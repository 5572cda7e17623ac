"""Drafts: an applicant starts an application, saves it step by step and lists the regulations
that block the service. Nothing is checked for completeness until submission.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications import workflow
from applications.availability import require_open
from applications.models import (
    Application,
    DataItem,
    Ministry,
    Organization,
    Program,
    RegulationConcerned,
    RegulationGround,
    Track,
)
from applications.roles import Role
from applications.services.kernel import (
    application_row_lock,
    event_record,
    require_version,
    require_visible,
)
from applications.vocabulary import AuditAction
from core.errors import InvalidInput, NotPermitted

DRAFT_FIELDS = frozenset(
    {
        "title",
        "summary",
        "service_description",
        "technology_description",
        "development_stage",
        "user_benefit",
        "business_model",
        "requested_start",
        "requested_term_days",
        "region",
        "scale",
        "max_users",
        "test_plan",
        "safety_plan",
        "user_protection",
        "data_protection",
        "exit_plan",
        "insurance_plan",
        "insurer",
        "insured_amount",
        "declaration_truthful",
        "declaration_consent",
        "language",
    }
)


def _validate_draft_fields(track: Track, fields: dict[str, Any]) -> None:
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise InvalidInput(
            {name: _("This field cannot be set on an application.") for name in unknown}
        )
    if "title" in fields and not str(fields["title"] or "").strip():
        raise InvalidInput({"title": _("Give the application a title.")})
    if "requested_term_days" in fields:
        problem = workflow.requested_term_problem(track=track, days=fields["requested_term_days"])
        if problem:
            raise InvalidInput({"requested_term_days": problem})


def application_create_draft(
    *,
    by: Any,
    organization: Organization,
    program: Program | None,
    track: Track | None,
    **fields: Any,
) -> Application:
    """An applicant starts a draft under one track of one programme; nothing is checked for
    completeness until submission."""
    if not perms.can_act_for_applicant(by, Application(organization=organization)):
        raise NotPermitted(_("Only members of the organisation can apply on its behalf."))
    if program is None or not program.is_active:
        raise InvalidInput({"program": _("Choose a programme that is accepting applications.")})
    if track is None or track.program_id != program.pk or not track.is_active:
        raise InvalidInput({"track": _("Choose one of the tracks of the chosen programme.")})
    _validate_draft_fields(track, fields)
    fields.setdefault("language", organization.language)
    with transaction.atomic():
        app = Application(
            program=program, track=track, organization=organization, created_by=by, **fields
        )
        app.full_clean(exclude=["status"], validate_unique=False)
        app.save()
        event_record(app, by, Role.APPLICANT, AuditAction.DRAFT_CREATED, {"track": track.code})
    return app


def application_update_draft(
    *, application: Application, by: Any, expected_version: int | None = None, **fields: Any
) -> Application:
    """Save part of a draft (one step of the form); only drafts can be edited."""
    with transaction.atomic():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require_open("edit", by, app)
        _validate_draft_fields(app.track, fields)
        changed = sorted(k for k, v in fields.items() if getattr(app, k) != v)
        for key, value in fields.items():
            setattr(app, key, value)
        app.full_clean(exclude=["status"], validate_unique=False)
        if changed:
            app.version += 1
            app.save()
            event_record(app, by, Role.APPLICANT, AuditAction.DRAFT_UPDATED, {"fields": changed})
    return app


def regulation_add(
    *,
    application: Application,
    by: Any,
    statute: str,
    article: str,
    reason: str,
    competent_ministry: Ministry | None = None,
    requirement: str = "",
    ground: str = "",
) -> RegulationConcerned:
    """Add a regulation that blocks the service to a draft."""
    problems: dict[str, str] = {}
    if not statute.strip():
        problems["statute"] = _("Name the statute, e.g. the Electronic Financial Transactions Act.")
    if not article.strip():
        problems["article"] = _("Name the article, e.g. Art. 28(1).")
    if not reason.strip():
        problems["reason"] = _("Explain why this regulation blocks the service.")
    if ground and ground not in RegulationGround.values:
        problems["ground"] = _("Choose one of the listed grounds.")
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("edit", by, app)
        position = app.regulations.count() + 1
        regulation = RegulationConcerned.objects.create(
            application=app,
            position=position,
            statute=statute.strip(),
            article=article.strip(),
            reason=reason.strip(),
            competent_ministry=competent_ministry,
            requirement=requirement.strip(),
            ground=ground,
        )
        event_record(
            app,
            by,
            Role.APPLICANT,
            AuditAction.REGULATION_ADDED,
            {"statute": statute, "article": article},
        )
    return regulation


def regulation_remove(*, regulation: RegulationConcerned, by: Any) -> None:
    with transaction.atomic():
        app = application_row_lock(regulation.application)
        require_visible(by, app)
        require_open("edit", by, app)
        payload = {"statute": regulation.statute, "article": regulation.article}
        RegulationConcerned.objects.filter(pk=regulation.pk, application=app).delete()
        event_record(app, by, Role.APPLICANT, AuditAction.REGULATION_REMOVED, payload)


def data_item_add(
    *, application: Application, by: Any, name: str, unit: str, method: str, frequency: str
) -> DataItem:
    """Add a data item (KPI) to a draft's test plan: what is measured, in which unit, how and
    how often. Periodic reports later ask for a value per item."""
    fields = {
        "name": (name or "").strip(),
        "unit": (unit or "").strip(),
        "method": (method or "").strip(),
        "frequency": (frequency or "").strip(),
    }
    problems: dict[str, str] = {}
    if not fields["name"]:
        problems["name"] = _("Name the data item, e.g. distance driven.")
    if not fields["unit"]:
        problems["unit"] = _("Give the unit, e.g. km or number of users.")
    if not fields["method"]:
        problems["method"] = _("Say how it is measured.")
    if not fields["frequency"]:
        problems["frequency"] = _("Say how often it is measured, e.g. daily.")
    limits = {"name": 200, "unit": 100, "method": 1000, "frequency": 100}
    for key, limit in limits.items():
        if len(fields[key]) > limit:
            problems[key] = _("Use at most %(max)s characters.") % {"max": limit}
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("edit", by, app)
        item = DataItem.objects.create(
            application=app, position=app.data_items.count() + 1, **fields
        )
        event_record(
            app,
            by,
            Role.APPLICANT,
            AuditAction.DATA_ITEM_ADDED,
            {"name": item.name, "unit": item.unit},
        )
    return item


def data_item_remove(*, data_item: DataItem, by: Any) -> None:
    """Take a data item out of a draft's test plan."""
    with transaction.atomic():
        app = application_row_lock(data_item.application)
        require_visible(by, app)
        require_open("edit", by, app)
        payload = {"name": data_item.name, "unit": data_item.unit}
        DataItem.objects.filter(pk=data_item.pk, application=app).delete()
        event_record(app, by, Role.APPLICANT, AuditAction.DATA_ITEM_REMOVED, payload)


def application_update_scope(
    *,
    application: Application,
    by: Any,
    expected_version: int | None = None,
    data_item: dict[str, str] | None = None,
    remove_data_item: DataItem | None = None,
    **fields: Any,
) -> Application:
    """Save the scope page in one transaction: its fields, the data item typed into it (never
    dropped silently when the person saves and continues) and one taken out. Any refusal saves
    nothing."""
    with transaction.atomic():
        app = application_update_draft(
            application=application, by=by, expected_version=expected_version, **fields
        )
        if remove_data_item is not None:
            data_item_remove(data_item=remove_data_item, by=by)
        if data_item is not None:
            data_item_add(application=app, by=by, **data_item)
    return app
