"""Drafts: an applicant starts an application, saves it step by step and lists the regulations
that block the service. Nothing is checked for completeness until submission.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications import workflow
from applications.audit import appends_at_end, audit_record
from applications.availability import require_open
from applications.models import (
    Application,
    CoApplicant,
    CompanySize,
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
from core.errors import InvalidInput, NotPermitted, StaleVersion, WrongState

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
        "problem_solved",
        "existing_offers",
        "similar_reference",
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
    if "similar_reference" in fields:
        _resolve_similar(track, fields)


def _resolve_similar(track: Track, fields: dict[str, Any]) -> None:
    """The approved waiver cited for a fast review, by the number the public register shows:
    an unknown number or one of a case that was never granted is a field error."""
    number = str(fields["similar_reference"] or "").strip()
    fields["similar_reference"] = number
    if not number:
        fields["similar_to"] = None
        return
    if track.similar_review_days is None:
        raise InvalidInput(
            {"similar_reference": _("This track has no fast review for similar cases.")}
        )
    cited = Application.objects.filter(reference__iexact=number).first()
    if cited is None:
        raise InvalidInput(
            {
                "similar_reference": _(
                    "No case has the number %(number)s. Copy the number of an approved waiver "
                    "from the public register, e.g. ICT-2026-00001."
                )
                % {"number": number}
            }
        )
    if cited.status not in workflow.GRANTED_WAIVER:
        raise InvalidInput(
            {
                "similar_reference": _(
                    "%(number)s is not an approved waiver. Only a granted waiver (as listed in "
                    "the public register) can be cited for a fast review."
                )
                % {"number": cited.reference}
            }
        )
    fields["similar_reference"] = cited.reference
    fields["similar_to"] = cited


_GIVEN_LINKS = ("program", "track", "organization", "created_by")


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
    with appends_at_end():
        app = Application(
            program=program, track=track, organization=organization, created_by=by, **fields
        )
        # The four links are rows just read (and checked above): not looked up again.
        app.full_clean(exclude=["status", *_GIVEN_LINKS], validate_unique=False)
        app.save()
        event_record(app, by, Role.APPLICANT, AuditAction.DRAFT_CREATED, {"track": track.code})
    return app


_UNCHANGED_LINKS = frozenset(
    field.name for field in Application._meta.concrete_fields if field.many_to_one
)


def application_update_draft(
    *, application: Application, by: Any, expected_version: int | None = None, **fields: Any
) -> Application:
    """Save part of a draft (one step of the form); only drafts can be edited."""
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_version(app, expected_version)
        require_open("edit", by, app)
        _validate_draft_fields(app.track, fields)
        changed = sorted(k for k, v in fields.items() if getattr(app, k) != v)
        for key, value in fields.items():
            setattr(app, key, value)
        # The case's own links (programme, track, organisation, author) are not the form's to
        # change and were checked when the draft was made: not looked up again on every step.
        app.full_clean(
            exclude=["status", *_UNCHANGED_LINKS.difference(fields)], validate_unique=False
        )
        if changed:
            app.version += 1
            # Only what changed (and the version, and ``updated_at``, which ``auto_now`` sets):
            # the row was just read under its lock, so every other column already holds what a
            # full save would write again.
            app.save(update_fields=[*changed, "version", "updated_at"])
            event_record(app, by, Role.APPLICANT, AuditAction.DRAFT_UPDATED, {"fields": changed})
    return app


def _length_problems(fields: dict[str, Any], limits: dict[str, int]) -> dict[str, str]:
    """A message for each field longer than its limit."""
    return {
        key: _("Use at most %(max)s characters.") % {"max": limit}
        for key, limit in limits.items()
        if len(fields.get(key) or "") > limit
    }


def _draft_entry_add(
    application: Application,
    by: Any,
    entries: str,
    make: Callable[[Application, int], Any],
    action: str,
    payload: Callable[[Any], dict[str, Any]],
) -> Any:
    """One entry of a draft's repeatable set (a regulation, a data item, a co-applicant) added
    at the end of ``app.<entries>``, with its audit event, in one transaction."""
    with appends_at_end():
        app = application_row_lock(application)
        require_visible(by, app)
        require_open("edit", by, app)
        entry = make(app, getattr(app, entries).count() + 1)
        event_record(app, by, Role.APPLICANT, action, payload(entry))
    return entry


def _draft_entry_remove(entry: Any, by: Any, action: str, payload: dict[str, Any]) -> None:
    """Take an entry out of its draft's repeatable set, with its audit event."""
    with appends_at_end():
        app = application_row_lock(entry.application)
        require_visible(by, app)
        require_open("edit", by, app)
        type(entry).objects.filter(pk=entry.pk, application=app).delete()
        event_record(app, by, Role.APPLICANT, action, payload)


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
    exemption_requested: str = "",
) -> RegulationConcerned:
    """Add a regulation that blocks the service to a draft: the provision (what it requires),
    why it blocks the service and the exemption requested, each its own field."""
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
    return _draft_entry_add(
        application,
        by,
        "regulations",
        lambda app, position: RegulationConcerned.objects.create(
            application=app,
            position=position,
            statute=statute.strip(),
            article=article.strip(),
            reason=reason.strip(),
            competent_ministry=competent_ministry,
            requirement=requirement.strip(),
            ground=ground,
            exemption_requested=exemption_requested.strip(),
        ),
        AuditAction.REGULATION_ADDED,
        lambda _entry: {"statute": statute, "article": article},
    )


def regulation_remove(*, regulation: RegulationConcerned, by: Any) -> None:
    payload = {"statute": regulation.statute, "article": regulation.article}
    _draft_entry_remove(regulation, by, AuditAction.REGULATION_REMOVED, payload)


def data_item_add(
    *,
    application: Application,
    by: Any,
    name: str,
    unit: str,
    method: str,
    frequency: str,
    target: str = "",
) -> DataItem:
    """Add a data item (KPI) to a draft's test plan: what is measured, in which unit, how, how
    often and the target aimed at. Periodic reports later ask for a value per item."""
    fields = {
        "name": (name or "").strip(),
        "unit": (unit or "").strip(),
        "method": (method or "").strip(),
        "frequency": (frequency or "").strip(),
        "target": (target or "").strip(),
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
    limits = {"name": 200, "unit": 100, "method": 1000, "frequency": 100, "target": 200}
    problems.update(_length_problems(fields, limits))
    if problems:
        raise InvalidInput(problems)
    item: DataItem = _draft_entry_add(
        application,
        by,
        "data_items",
        lambda app, position: DataItem.objects.create(application=app, position=position, **fields),
        AuditAction.DATA_ITEM_ADDED,
        lambda item: {"name": item.name, "unit": item.unit},
    )
    return item


def data_item_remove(*, data_item: DataItem, by: Any) -> None:
    """Take a data item out of a draft's test plan."""
    payload = {"name": data_item.name, "unit": data_item.unit}
    _draft_entry_remove(data_item, by, AuditAction.DATA_ITEM_REMOVED, payload)


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
    with appends_at_end():
        app = application_update_draft(
            application=application, by=by, expected_version=expected_version, **fields
        )
        if remove_data_item is not None:
            data_item_remove(data_item=remove_data_item, by=by)
        if data_item is not None:
            data_item_add(application=app, by=by, **data_item)
    return app


PROFILE_LIMITS = {"key_people": 2000, "licences": 2000, "contact_person": 200, "contact_phone": 40}


def organization_profile_update(
    *,
    organization: Organization,
    by: Any,
    application: Application | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Organization:
    """A member edits the organisation's company profile (size, start-up status, founding date,
    employees, key people, licences, contact). From a draft's form the event is on that case;
    each submission copies the profile as it then stands. ``expected_version``: the
    ``profile_version`` the member's page showed; a colleague's save since is a conflict (409)."""
    if not perms.can_act_for_applicant(by, Application(organization=organization)):
        raise NotPermitted(_("Only members of the organisation can edit its profile."))
    unknown = set(fields) - set(workflow.PROFILE_FIELDS)
    if unknown:
        raise InvalidInput({name: _("This field is not part of the profile.") for name in unknown})
    for key in ("key_people", "licences", "contact_person", "contact_phone"):
        if key in fields:
            fields[key] = str(fields[key] or "").strip()
    problems = workflow.profile_problems(fields, today=timezone.localdate())
    size = fields.get("company_size")
    if size and size not in CompanySize.values:
        problems["company_size"] = _("Choose one of the listed sizes.")
    problems.update(_length_problems(fields, PROFILE_LIMITS))
    if problems:
        raise InvalidInput(problems)
    with appends_at_end():
        app = None
        if application is not None:
            app = application_row_lock(application)
            require_visible(by, app)
            require_open("edit", by, app)
            if app.organization_id != organization.pk:
                raise NotPermitted(_("Only members of the organisation can edit its profile."))
        org = Organization.objects.select_for_update().get(pk=organization.pk)
        if expected_version is not None and org.profile_version != expected_version:
            raise StaleVersion(
                _(
                    "Someone in your organisation saved the company profile after you opened "
                    "this page. The form now shows what you typed; check it against the saved "
                    "profile, then save again."
                )
            )
        changed = sorted(k for k, v in fields.items() if getattr(org, k) != v)
        if not changed:
            return org
        for key, value in fields.items():
            setattr(org, key, value)
        org.profile_version += 1
        org.save(update_fields=[*changed, "profile_version"])
        if app is not None:
            event_record(
                app, by, Role.APPLICANT, AuditAction.COMPANY_PROFILE_UPDATED, {"fields": changed}
            )
        else:
            audit_record(
                application=None,
                actor=by,
                actor_role=Role.APPLICANT,
                action=AuditAction.COMPANY_PROFILE_UPDATED,
                payload={"organization": org.pk, "fields": changed},
            )
    return org


def co_applicant_add(
    *, application: Application, by: Any, name: str, registration_number: str, role: str
) -> CoApplicant:
    """Add a co-applicant or partner that runs the service jointly with the applicant."""
    fields = {
        "name": (name or "").strip(),
        "registration_number": (registration_number or "").strip(),
        "role": (role or "").strip(),
    }
    problems: dict[str, str] = {}
    if not fields["name"]:
        problems["name"] = _("Name the partner organisation.")
    number = fields["registration_number"]
    if not number:
        problems["registration_number"] = _(
            "Give the partner's registration number, e.g. 123-45-67890."
        )
    elif not (number.replace("-", "").replace(" ", "").isalnum() and len(number) <= 32):
        problems["registration_number"] = _(
            "Use digits and letters (hyphens allowed), at most 32 characters, e.g. 123-45-67890."
        )
    if not fields["role"]:
        problems["role"] = _("Say what the partner does in the service.")
    problems.update(_length_problems(fields, {"name": 200, "role": 400}))
    if problems:
        raise InvalidInput(problems)
    partner: CoApplicant = _draft_entry_add(
        application,
        by,
        "co_applicants",
        lambda app, position: CoApplicant.objects.create(
            application=app, position=position, **fields
        ),
        AuditAction.CO_APPLICANT_ADDED,
        lambda partner: {"name": partner.name, "registration_number": partner.registration_number},
    )
    return partner


def co_applicant_remove(*, co_applicant: CoApplicant, by: Any) -> None:
    """Take a co-applicant off a draft."""
    payload = {"name": co_applicant.name}
    _draft_entry_remove(co_applicant, by, AuditAction.CO_APPLICANT_REMOVED, payload)


def application_update_company(
    *,
    application: Application,
    by: Any,
    profile: dict[str, Any],
    co_applicant: dict[str, str] | None = None,
    remove_co_applicant: CoApplicant | None = None,
    profile_version: int | None = None,
) -> Application:
    """Save the company page in one transaction: the organisation's profile, the partner typed
    into it (never dropped silently on "save and continue") and one taken out. Any refusal
    saves nothing."""
    with appends_at_end():
        organization_profile_update(
            organization=application.organization,
            by=by,
            application=application,
            expected_version=profile_version,
            **profile,
        )
        if remove_co_applicant is not None:
            co_applicant_remove(co_applicant=remove_co_applicant, by=by)
        if co_applicant is not None:
            co_applicant_add(application=application, by=by, **co_applicant)
    return application


# What a follow-up application copies from the confirmation case it comes from.
FOLLOW_UP_FIELDS = (
    "summary",
    "service_description",
    "technology_description",
    "development_stage",
    "user_benefit",
    "problem_solved",
    "existing_offers",
    "business_model",
    "safety_plan",
    "user_protection",
    "data_protection",
    "exit_plan",
    "language",
)


def application_create_follow_up(*, source: Application, by: Any, track: Track) -> Application:
    """After a fast confirmation answered that a regulation applies, the applicant starts a
    demonstration-exemption or temporary-permit application prefilled from that case: its
    service texts, regulations and co-applicants (a new draft, the source unchanged)."""
    require_visible(by, source)
    if source.status != workflow.ApplicationStatus.CONFIRMED or (
        source.confirmation_outcome != workflow.ConfirmationOutcome.REGULATION_APPLIES
    ):
        raise WrongState(
            _("Only a confirmation that a regulation applies leads to a follow-up application.")
        )
    if track.kind != workflow.TrackKind.EXEMPTION or track.program_id != source.program_id:
        raise InvalidInput(
            {"track": _("Choose a demonstration exemption or temporary permit of this programme.")}
        )
    fields = {name: getattr(source, name) for name in FOLLOW_UP_FIELDS}
    with appends_at_end():
        app = application_create_draft(
            by=by,
            organization=source.organization,
            program=source.program,
            track=track,
            title=source.title,
            **fields,
        )
        for regulation in source.regulations.all():
            regulation_add(
                application=app,
                by=by,
                statute=regulation.statute,
                article=regulation.article,
                reason=regulation.reason,
                competent_ministry=regulation.competent_ministry,
                requirement=regulation.requirement,
                ground=regulation.ground,
                exemption_requested=regulation.exemption_requested,
            )
        for partner in source.co_applicants.all():
            co_applicant_add(
                application=app,
                by=by,
                name=partner.name,
                registration_number=partner.registration_number,
                role=partner.role,
            )
        event_record(
            app,
            by,
            Role.APPLICANT,
            AuditAction.FOLLOW_UP_STARTED,
            {"from": source.reference, "track": track.code},
        )
    return app
