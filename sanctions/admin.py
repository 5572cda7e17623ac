"""The procedure's records in the admin: read-only (every write is a service with its audit
event); the opinion deadline is a track setting, edited with the track."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sanctions.models import PriorNotice, Suspension


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PriorNotice)
class PriorNoticeAdmin(ReadOnly):
    list_display = ("application", "number", "measure", "status", "opinion_due")
    list_filter = ("measure", "status")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnly):
    list_display = ("application", "starts_on", "ends_on", "status")
    list_filter = ("status",)
