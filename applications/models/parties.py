"""Who takes part: organisations and their members (applicants), and ministry staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.programmes import Language, Ministry


class Organization(models.Model):
    name = models.CharField(_("organisation name"), max_length=200)
    registration_number = models.CharField(
        _("business registration number"), max_length=32, unique=True
    )
    representative = models.CharField(_("representative"), max_length=200)
    address = models.CharField(_("address"), max_length=400)
    language = models.CharField(
        _("language for letters and email"),
        max_length=2,
        choices=Language.choices,
        default=Language.KOREAN,
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="Membership",
        related_name="organizations",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_owner = models.BooleanField(_("may invite colleagues"), default=False)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class StaffProfile(models.Model):
    """Ministry staff (case officers, consultees, decision makers) belong to one ministry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    ministry = models.ForeignKey(
        Ministry, verbose_name=_("ministry"), on_delete=models.PROTECT, related_name="staff"
    )
    title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language for email"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.ministry.code})"
