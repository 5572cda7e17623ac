"""Operators edit each track's supervision settings (programme data); the records of the term
are read-only here, since they change only through the services and so the audit chain."""

from __future__ import annotations

from django.contrib import admin

from supervision.models import SupervisionSettings


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(admin.ModelAdmin[SupervisionSettings]):
    list_display = [
        "track",
        "report_interval_months",
        "report_due_days",
        "final_report_days",
        "serious_incident_hours",
        "min_cover_aggregate",
        "user_notice_required",
    ]
    list_filter = ["track__program"]
