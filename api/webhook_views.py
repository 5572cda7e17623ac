"""Webhook subscriptions, their deliveries and replays (auditors only, each their own)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import webhooks
from api.base import MAX_SEQ, READ_ERRORS, ApiView, NewestFirst
from api.models import WebhookDelivery, WebhookSubscription
from api.permissions import can_manage_webhooks, only
from api.serializers import (
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSubscribeSerializer,
    WebhookSubscriptionSerializer,
)
from api.tasks import enqueue_delivery
from core.drf import error_responses
from core.errors import NotVisible

AUDITORS_ONLY = [
    IsAuthenticated,
    only(can_manage_webhooks, gettext_lazy("Only auditors may manage webhooks.")),
]
WRITE_ERRORS = (401, 403, 406, 415, 429)


def _number(value: Any, what: str) -> int:
    number = int(value)
    if number > MAX_SEQ:
        raise NotVisible(what)
    return number


def _id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": MAX_SEQ},
        "path",
        description=description,
        examples=[OpenApiExample("An id", value=1)],
    )


SUBSCRIPTION_ID = _id("id", "The subscription's id.")


@extend_schema(tags=["webhooks"])
class WebhookApi(
    ApiView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[WebhookSubscription],
):
    """An auditor's webhook subscriptions (Standard Webhooks)."""

    serializer_class = WebhookSubscriptionSerializer
    pagination_class = NewestFirst
    permission_classes = AUDITORS_ONLY
    lookup_value_regex = "[0-9]{1,19}"

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks
            return WebhookSubscription.objects.none()
        return webhooks.subscriptions_of(user=self.request.user)

    def get_object(self) -> WebhookSubscription:
        pk = _number(self.kwargs["pk"], _("No such webhook subscription."))
        return webhooks.subscription_get_for(user=self.request.user, pk=pk)

    @extend_schema(
        summary="List your webhook subscriptions",
        responses={
            200: WebhookSubscriptionSerializer(many=True),
            **error_responses(400, 403, *READ_ERRORS),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Subscribe a URL to audit events",
        description="Deliveries are POSTed as JSON `{type, timestamp, data}` (data: the event "
        "as the feed shows it) with the Standard Webhooks headers `webhook-id`, "
        "`webhook-timestamp` and `webhook-signature`; the `secret` in this answer verifies "
        "them and is not shown again. A non-2xx answer is retried with back-off.",
        request=WebhookSubscribeSerializer,
        responses={
            201: WebhookCreatedSerializer,
            **error_responses(400, *WRITE_ERRORS),
        },
        examples=[
            OpenApiExample(
                "Approvals and letters",
                request_only=True,
                value={
                    "url": "https://audit.example.org/hooks/sandbox",
                    "event_types": ["audit.approve", "audit.letter_issued"],
                    "description": "Decisions feed",
                },
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WebhookSubscribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription, secret = webhooks.webhook_subscribe(by=request.user, **body.validated_data)
        subscription.secret = secret
        data = WebhookCreatedSerializer(subscription, context={"request": request}).data
        location = request.build_absolute_uri(f"{request.path}{subscription.pk}/")
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary="One webhook subscription",
        parameters=[SUBSCRIPTION_ID],
        responses={
            200: WebhookSubscriptionSerializer,
            **error_responses(400, 403, 404, *READ_ERRORS),
        },
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Unsubscribe",
        description="No more deliveries; the subscription's delivery log is kept.",
        parameters=[SUBSCRIPTION_ID],
        responses={204: None, **error_responses(400, 403, 404, 401, 406, 429)},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        webhooks.webhook_unsubscribe(by=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryPages(NewestFirst):
    ordering = "-id"


@extend_schema(tags=["webhooks"])
class WebhookDeliveryApi(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet[WebhookDelivery]):
    """The delivery log of one subscription: each message, its state and every attempt."""

    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryPages
    permission_classes = AUDITORS_ONLY

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks
            return WebhookDelivery.objects.none()
        pk = _number(self.kwargs["pk"], _("No such webhook subscription."))
        subscription = webhooks.subscription_get_for(user=self.request.user, pk=pk)
        return (
            subscription.deliveries.select_related("event")
            .prefetch_related("attempt_log")
            .order_by("-id")
        )

    @extend_schema(
        summary="A subscription's deliveries",
        parameters=[SUBSCRIPTION_ID],
        responses={
            200: WebhookDeliverySerializer(many=True),
            **error_responses(400, 403, 404, *READ_ERRORS),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["webhooks"])
class WebhookReplayApi(ApiView, APIView):
    """Send a delivery again (with a fresh retry schedule)."""

    permission_classes = AUDITORS_ONLY

    @extend_schema(
        summary="Replay a delivery",
        description="The same message (same `webhook-id`, same body), signed afresh, sent "
        "again; 202 with the delivery as it stands once queued.",
        parameters=[SUBSCRIPTION_ID, _id("delivery", "The delivery's id.")],
        request=None,
        responses={
            202: WebhookDeliverySerializer,
            **error_responses(400, 403, 404, 401, 406, 429),
        },
    )
    def post(self, request: Request, pk: str, delivery: str) -> Response:
        found = webhooks.delivery_get_for(
            user=request.user,
            subscription_pk=_number(pk, _("No such webhook subscription.")),
            pk=_number(delivery, _("No such delivery.")),
        )
        webhooks.webhook_replay(by=request.user, delivery=found)
        enqueue_delivery(delivery_id=found.pk, replay=True)
        found.refresh_from_db()
        return Response(WebhookDeliverySerializer(found).data, status=status.HTTP_202_ACCEPTED)
