"""Operators configure committees and their members (roles, terms of office) here. Meetings,
agendas, attendance, results and minutes are recorded only through the services (each with its
audit event), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from committees.models import AgendaItem, Committee, Meeting, Seat


class SeatInline(admin.TabularInline[Seat, Committee]):
    model = Seat
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin[Committee]):
    list_display = ["name", "program", "quorum", "records_votes", "language", "is_active"]
    list_filter = ["program", "is_active"]
    search_fields = ["name", "name_en"]
    inlines = [SeatInline]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin[Seat]):
    list_display = ["user", "committee", "role", "affiliation", "term_start", "term_end"]
    list_filter = ["committee", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "affiliation"]
    autocomplete_fields = ["user"]


class ReadOnly:
    """Recorded through the services only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AgendaItemInline(ReadOnly, admin.TabularInline[AgendaItem, Meeting]):
    model = AgendaItem
    fields = ["position", "application", "result", "decision", "dropped_at"]
    readonly_fields = ["position", "application", "result", "decision", "dropped_at"]
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(ReadOnly, admin.ModelAdmin[Meeting]):
    list_display = ["committee", "number", "starts_at", "status"]
    list_filter = ["committee", "status"]
    inlines = [AgendaItemInline]
