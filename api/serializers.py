"""API representations (read-only). Times are UTC ISO 8601 with ``Z``; cases are named by
their reference, people by username, ministries, programmes and tracks by code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications import vocabulary
from applications.audit import utc_text
from applications.models import (
    Application,
    AuditEvent,
    Consultation,
    Decision,
    DecisionKind,
    ExtensionRequest,
    Language,
    LawAmendmentRequest,
    Opinion,
    Recommendation,
    RegulationConcerned,
    RegulationGround,
)
from applications.roles import Role
from applications.workflow import ApplicationStatus, ConfirmationOutcome, TrackKind
from documents.models import LetterKind, LetterStatus


def iso_utc(value: dt.datetime | None) -> str | None:
    """The one text form of a moment in the API, JSON pages and exports alike (and the one the
    audit chain's hash covers)."""
    return None if value is None else utc_text(value)


class UtcDateTimeField(serializers.DateTimeField):
    def to_representation(self, value: dt.datetime) -> str | None:  # type: ignore[override]
        return iso_utc(value)


def _absolute(request: Any, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def action_choices() -> list[tuple[str, str]]:
    """Every registered audit action (each app registers its own in ``AppConfig.ready``)."""
    return [(action, action) for action in sorted(vocabulary.registered())]


class ActionField(serializers.ChoiceField):
    """An audit action; its choices are read from the vocabulary when asked (apps register
    theirs as they get ready)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[], **kwargs)

    @property  # type: ignore[override]
    def choices(self) -> dict[str, str]:
        return dict(action_choices())

    @choices.setter
    def choices(self, value: Any) -> None:
        pass

    def to_representation(self, value: Any) -> Any:
        return value


STATUS_OR_NONE = [("", "none (not a case event)"), *ApplicationStatus.choices]


class EventSerializer(serializers.ModelSerializer[AuditEvent]):
    seq = serializers.IntegerField(min_value=1)
    occurred_at = UtcDateTimeField()
    application: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="The case's reference; null for events without a case and for events of a "
        "case that has not been submitted yet.",
    )
    actor = serializers.CharField(source="actor_name", help_text="Username, or system.")
    actor_role = serializers.ChoiceField(choices=Role.choices)
    action = ActionField()
    from_status = serializers.ChoiceField(choices=STATUS_OR_NONE)
    to_status = serializers.ChoiceField(choices=STATUS_OR_NONE)
    payload = serializers.DictField(
        help_text="The event's details (JSON object); moments in it are UTC with Z."
    )
    prev_hash = serializers.CharField(min_length=64, max_length=64)
    hash = serializers.CharField(
        min_length=64,
        max_length=64,
        help_text="sha256(prev_hash + canonical JSON of the other fields): see docs/api.md.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "application",
            "actor",
            "actor_role",
            "action",
            "from_status",
            "to_status",
            "payload",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


EVENT_COLUMNS = EventSerializer.Meta.fields


class LetterSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    application = serializers.CharField(source="application.reference")
    decision = serializers.IntegerField(source="decision_id")
    kind = serializers.ChoiceField(choices=LetterKind.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    status = serializers.ChoiceField(choices=LetterStatus.choices)
    version = serializers.IntegerField()
    created_at = UtcDateTimeField()
    issued_at = UtcDateTimeField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    supersedes = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_supersedes(self, letter: Any) -> str | None:
        return letter.supersedes.number if letter.supersedes_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_superseded_by(self, letter: Any) -> str | None:
        later = getattr(letter, "superseded_by", None)
        return later.number if later is not None else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, letter: Any) -> str | None:
        if letter.status != "issued":
            return None
        return _absolute(
            self.context.get("request"), reverse("api:letter-pdf", args=[letter.number])
        )


def current_letter(decision: Decision) -> Any | None:
    """The decision's letter in force: issued and not superseded (the newest such)."""
    issued = [
        letter
        for letter in decision.letters.all()
        if letter.status == "issued" and getattr(letter, "superseded_by", None) is None
    ]
    return issued[-1] if issued else None


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    id = serializers.IntegerField()
    application = serializers.CharField(source="application.reference")
    program = serializers.CharField(source="application.program.code")
    outcome = serializers.ChoiceField(source="kind", choices=DecisionKind.choices)
    decided_at = UtcDateTimeField()
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    recommender = serializers.CharField(allow_null=True)
    conditions = serializers.ListField(child=serializers.CharField())
    exempted_provisions = serializers.ListField(child=serializers.CharField())
    confirmation_outcome = serializers.ChoiceField(
        choices=ConfirmationOutcome.choices, allow_blank=True
    )
    letter_number = serializers.SerializerMethodField()
    letter_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "application",
            "program",
            "outcome",
            "decided_at",
            "decided_by",
            "recommender",
            "committee_reference",
            "legal_basis",
            "term_start",
            "term_end",
            "conditions",
            "exempted_provisions",
            "reasons",
            "confirmation_outcome",
            "letter_number",
            "letter_sha256",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_letter_number(self, decision: Decision) -> str | None:
        letter = current_letter(decision)
        return letter.number if letter is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_letter_sha256(self, decision: Decision) -> str | None:
        letter = current_letter(decision)
        return letter.sha256 if letter is not None else None


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    organization = serializers.CharField(source="organization.name")
    organization_registration_number = serializers.CharField(
        source="organization.registration_number"
    )
    program = serializers.CharField(source="program.code")
    ministry = serializers.CharField(source="program.lead_ministry.code")
    track = serializers.CharField(source="track.code")
    track_kind = serializers.ChoiceField(source="track.kind", choices=TrackKind.choices)
    submitted_at = UtcDateTimeField(allow_null=True)
    deadline = UtcDateTimeField(source="due_at", allow_null=True)
    decided_at = UtcDateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "reference",
            "title",
            "organization",
            "organization_registration_number",
            "program",
            "ministry",
            "track",
            "track_kind",
            "status",
            "submitted_at",
            "deadline",
            "decided_at",
            "term_start",
            "term_end",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, app: Application) -> str:
        return _absolute(
            self.context.get("request"), reverse("api:application-detail", args=[app.reference])
        )


class RegulationSerializer(serializers.ModelSerializer[RegulationConcerned]):
    ground = serializers.ChoiceField(choices=RegulationGround.choices, allow_blank=True)
    competent_ministry: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = RegulationConcerned
        fields = ["statute", "article", "competent_ministry", "requirement", "ground", "reason"]
        read_only_fields = fields


class ConsultationSerializer(serializers.ModelSerializer[Consultation]):
    opinion = serializers.ChoiceField(choices=Opinion.choices, allow_blank=True)
    ministry: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    requested_at = UtcDateTimeField()
    due_at = UtcDateTimeField()
    answered_at = UtcDateTimeField(allow_null=True)
    answered_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Consultation
        fields = [
            "ministry",
            "question",
            "requested_at",
            "due_at",
            "status",
            "opinion",
            "reasons",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
    officer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    created_at = UtcDateTimeField()
    proposed_conditions = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Recommendation
        fields = [
            "outcome",
            "officer",
            "created_at",
            "proposed_term_days",
            "proposed_conditions",
            "legal_basis",
            "reasons",
        ]
        read_only_fields = fields


class TermRequestSerializer(serializers.ModelSerializer[Any]):
    """What extension and law-amendment requests share: who asked when, and the decision."""

    requested_at = UtcDateTimeField()
    decided_at = UtcDateTimeField(allow_null=True)
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        fields = ["requested_at", "reason", "status", "decided_by", "decided_at", "decision_reason"]


class ExtensionSerializer(TermRequestSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["requested_at", "new_end", *TermRequestSerializer.Meta.fields[1:]]
        read_only_fields = fields


class LawAmendmentSerializer(TermRequestSerializer):
    class Meta:
        model = LawAmendmentRequest
        fields = TermRequestSerializer.Meta.fields
        read_only_fields = fields


class ScopeSerializer(serializers.Serializer[Application]):
    requested_start = serializers.DateField(allow_null=True)
    requested_term_days = serializers.IntegerField(allow_null=True)
    region = serializers.CharField()
    scale = serializers.CharField()
    max_users = serializers.IntegerField(allow_null=True)
    test_plan = serializers.CharField()


class ApplicationDetailSerializer(ApplicationSerializer):
    summary = serializers.CharField()
    scope = ScopeSerializer(source="*")
    regulations = RegulationSerializer(many=True)
    consultations = ConsultationSerializer(many=True)
    recommendation = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True)
    extensions = ExtensionSerializer(many=True, source="extension_requests")
    law_amendments = LawAmendmentSerializer(many=True, source="law_amendment_requests")
    letters = LetterSerializer(many=True)
    events = EventSerializer(
        many=True,
        source="recent_events",
        help_text="The case's newest events (at most 20), oldest first; every event pages "
        "through `events_url`.",
    )
    events_complete = serializers.BooleanField(
        help_text="Whether `events` holds every event of the case the caller may read."
    )
    events_url = serializers.SerializerMethodField()
    history_url = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "summary",
            "scope",
            "regulations",
            "consultations",
            "recommendation",
            "decisions",
            "extensions",
            "law_amendments",
            "letters",
            "events",
            "events_complete",
            "events_url",
            "history_url",
        ]
        read_only_fields = fields

    @extend_schema_field(RecommendationSerializer(allow_null=True))
    def get_recommendation(self, app: Application) -> dict[str, Any] | None:
        """The latest recommendation (the one the decision rests on)."""
        items = list(app.recommendations.all())
        return RecommendationSerializer(items[0]).data if items else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_events_url(self, app: Application) -> str:
        """The first page of the case's events, oldest first (keyset on ``seq``)."""
        return _absolute(
            self.context.get("request"), reverse("api:application-events", args=[app.reference])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_history_url(self, app: Application) -> str:
        return _absolute(
            self.context.get("request"), reverse("api:application-history", args=[app.reference])
        )


class CaseAsOfSerializer(serializers.Serializer[dict[str, Any]]):
    as_of = UtcDateTimeField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, allow_null=True)
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)
    conditions = serializers.ListField(child=serializers.CharField())
    extensions_granted = serializers.IntegerField()
    last_event_seq = serializers.IntegerField(allow_null=True)


class EventPageSerializer(serializers.Serializer[Any]):
    """A page of events: ``next`` carries ``after_seq`` of the last one (null at the end)."""

    next = serializers.URLField(allow_null=True)
    last_seq = serializers.IntegerField(allow_null=True)
    results = EventSerializer(many=True)


class HistorySerializer(EventPageSerializer):
    reference = serializers.CharField()
    case = CaseAsOfSerializer(allow_null=True)


class AuditVerifySerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField()
    started_from = serializers.ChoiceField(
        choices=["checkpoint", "genesis"],
        help_text="Where the walk began: the last good checkpoint (only the events after it "
        "were walked) or the genesis (every event).",
    )
    from_seq = serializers.IntegerField(help_text="The seq the walk started after (0: genesis).")
    checkpoint_url = serializers.URLField(allow_null=True)
    checkpoints_checked = serializers.IntegerField(
        help_text="Kept checkpoints whose signed hash was compared with the chain."
    )
    events_checked = serializers.IntegerField()
    head_seq = serializers.IntegerField(help_text="The chain head when the walk began.")
    head_hash = serializers.CharField(help_text="The hash of the last sound event walked.")
    first_broken_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()


class CheckpointSerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField(help_text="The chain head's seq when it was signed.")
    head_hash = serializers.CharField(help_text="The hash of event #seq.")
    signed_at = UtcDateTimeField()
    issuer = serializers.CharField()
    trigger = serializers.ChoiceField(choices=["schedule", "demand"])
    message = serializers.CharField(help_text="The exact signed bytes (UTF-8).")
    algorithm = serializers.ChoiceField(
        choices=["RSASSA-PKCS1-v1_5-SHA256", "ECDSA-SHA256", "Ed25519"]
    )
    signature = serializers.CharField(help_text="Base64.")
    certificate_sha256 = serializers.CharField(
        help_text="SHA-256 of the signing certificate (DER)."
    )
    certificate_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_certificate_url(self, checkpoint: Any) -> str:
        return _absolute(self.context.get("request"), reverse("audit-certificate"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, checkpoint: Any) -> str:
        return _absolute(
            self.context.get("request"), reverse("api:checkpoint-detail", args=[checkpoint.seq])
        )


class AccessLogSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    at = UtcDateTimeField()
    user = serializers.CharField(source="user.username", help_text="Who made the request.")
    role = serializers.CharField(help_text="Their role(s) when they made it.")
    token = serializers.SerializerMethodField(help_text="The token's prefix (null: a session).")
    token_name = serializers.SerializerMethodField()
    method = serializers.CharField()
    path = serializers.CharField(help_text="Path and query string as requested.")
    status_code = serializers.IntegerField()
    request_id = serializers.CharField(help_text="The X-Request-Id the answer carried.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_token(self, entry: Any) -> str | None:
        return entry.token.prefix if entry.token_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_token_name(self, entry: Any) -> str | None:
        return entry.token.name if entry.token_id else None


PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
URL_REST = rf"[A-Za-z0-9.-]+(:{PORT})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?(\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?"


def webhook_url_pattern() -> str:
    """What a subscription's URL may look like (``https``, or ``http`` too where allowed)."""
    scheme = "https?" if settings.WEBHOOKS_ALLOW_HTTP else "https"
    return f"^{scheme}://{URL_REST}$"


class StrictCharField(serializers.CharField):
    """A JSON string, and only that (DRF would turn a number into its text)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class WebhookUrlField(StrictCharField):
    """A receiver's address; its schema pattern follows the settings of this server."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=2000, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not re.match(webhook_url_pattern(), value):
            scheme = "http(s)" if settings.WEBHOOKS_ALLOW_HTTP else "https"
            raise serializers.ValidationError(
                _("Give an %(scheme)s address: a host name, maybe a port, a path and a query.")
                % {"scheme": scheme}
            )
        return value


class WebhookUrlFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.WebhookUrlField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "maxLength": 2000, "pattern": webhook_url_pattern()}


class EventTypeField(serializers.ChoiceField):
    """An event type: ``audit.<action>``, or ``audit.*`` for every action."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[], **kwargs)

    @property  # type: ignore[override]
    def choices(self) -> dict[str, str]:
        return {value: value for value in webhook_types()}

    @choices.setter
    def choices(self, value: Any) -> None:
        pass

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or data not in webhook_types():
            self.fail("invalid_choice", input=data)
        return data

    def to_representation(self, value: Any) -> Any:
        return value


def webhook_types() -> list[str]:
    return ["audit.*", *(f"audit.{action}" for action in sorted(vocabulary.registered()))]


class UniqueListField(serializers.ListField):
    """A list whose items must differ (the schema says ``uniqueItems``)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        items = super().to_internal_value(data)
        if len(set(items)) != len(items):
            raise serializers.ValidationError(_("Give each item once."))
        return items


class UniqueListFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.UniqueListField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "uniqueItems": True}


class StrictBody(serializers.Serializer[Any]):
    """A request body with no fields but its own (anything else is a 400 naming it)."""

    def validate(self, attrs: Any) -> Any:
        extra = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if extra:
            raise serializers.ValidationError({name: _("Unknown field.") for name in extra})
        return attrs


class WebhookSubscribeSerializer(StrictBody):
    url = WebhookUrlField(help_text="Where deliveries are POSTed.")
    event_types = UniqueListField(
        child=EventTypeField(),
        min_length=1,
        max_length=200,
        help_text="audit.<action> for each action wanted, or audit.* for all.",
    )
    description = StrictCharField(
        required=False, allow_blank=True, max_length=200, help_text="A note for yourself."
    )


class WebhookSubscriptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.CharField()
    event_types = serializers.ListField(child=EventTypeField())
    description = serializers.CharField()
    created_at = UtcDateTimeField()
    deliveries_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_deliveries_url(self, subscription: Any) -> str:
        return _absolute(
            self.context.get("request"),
            reverse("api:webhook-deliveries", args=[subscription.pk]),
        )


class WebhookCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        help_text="whsec_…: verifies each delivery's webhook-signature. Shown only now."
    )


class WebhookAttemptSerializer(serializers.Serializer[Any]):
    trigger = serializers.ChoiceField(choices=["first", "retry", "replay"])
    started_at = UtcDateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class WebhookDeliverySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    message_id = serializers.CharField(help_text="The webhook-id header: the same on retries.")
    event_seq = serializers.IntegerField(source="event.seq")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "succeeded", "failed"])
    attempts = serializers.IntegerField()
    next_attempt_at = UtcDateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = UtcDateTimeField()
    delivered_at = UtcDateTimeField(allow_null=True)
    log = WebhookAttemptSerializer(many=True, source="attempt_log.all")
