"""Configuration screens for operators. Case status is read-only here: it changes only through
the services, so that every change has its audit event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from applications.models import (
    Application,
    AuditEvent,
    Membership,
    Ministry,
    Organization,
    Program,
    RegulationConcerned,
    StaffProfile,
    Track,
)
from applications.roles import STAFF_ROLES, holds_staff_powers

# Separation of duties (``applications/roles.py``): the admin never lets one account both work
# for the regulator and belong to an applying organisation.
MIXED_ACCOUNT = _(
    "A person works for the regulator or belongs to an applying organisation, never both: "
    "use a separate account for each."
)


class MembershipFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            user = (getattr(form, "cleaned_data", None) or {}).get("user")
            deleting = (getattr(form, "cleaned_data", None) or {}).get("DELETE")
            if user is not None and not deleting and holds_staff_powers(user):
                form.add_error("user", MIXED_ACCOUNT)


class StaffProfileFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        user = self.instance
        adding = any(
            (getattr(form, "cleaned_data", None) or {}).get("ministry")
            and not (form.cleaned_data or {}).get("DELETE")
            for form in self.forms
        )
        if adding and user.pk is not None and user.memberships.exists():
            raise ValidationError(MIXED_ACCOUNT)


class SandboxUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        staff = (
            any(group.name in STAFF_ROLES for group in data.get("groups") or [])
            or data.get("is_staff")
            or data.get("is_superuser")
        )
        if staff and self.instance.pk is not None and self.instance.memberships.exists():
            raise ValidationError(MIXED_ACCOUNT)
        return data


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin[Ministry]):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


class TrackInline(admin.StackedInline[Track, Program]):
    model = Track
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ["code", "name", "lead_ministry", "time_zone", "is_active"]
    list_filter = ["is_active", "lead_ministry"]
    inlines = [TrackInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin[Track]):
    list_display = [
        "program",
        "code",
        "kind",
        "review_days",
        "agenda_days",
        "max_term_days",
        "max_extensions",
        "insurance_required",
    ]
    list_filter = ["program", "kind"]


class MembershipInline(admin.TabularInline[Membership, Organization]):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "registration_number", "representative", "language"]
    search_fields = ["name", "registration_number"]
    inlines = [MembershipInline]


class StaffProfileInline(admin.StackedInline[StaffProfile, User]):
    model = StaffProfile
    formset = StaffProfileFormSet
    can_delete = False
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class SandboxUserAdmin(UserAdmin):
    form = SandboxUserChangeForm
    inlines = [StaffProfileInline]


class RegulationInline(admin.TabularInline[RegulationConcerned, Application]):
    model = RegulationConcerned
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin[Application]):
    """Read-only: cases change through the services (and so the audit chain), never here."""

    list_display = ["reference", "title", "organization", "program", "track", "status", "due_at"]
    list_filter = ["status", "program", "track"]
    search_fields = ["reference", "title", "organization__name"]
    inlines = [RegulationInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Application._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["seq", "occurred_at", "application", "actor_name", "actor_role", "action"]
    list_filter = ["action", "actor_role"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
