"""Who takes part: organisations and their members (applicants), and ministry staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.programmes import Language, Ministry


class CompanySize(models.TextChoices):
    """Size classes of Korean company law (중소기업기본법, 중견기업법)."""

    SMALL = "small", _("Small enterprise")
    MEDIUM = "medium", _("Medium-sized enterprise")
    MIDSIZE = "midsize", _("Mid-sized (middle-market) enterprise")
    LARGE = "large", _("Large enterprise")


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

    # Company profile (DOMAIN §2): edited by its members, copied into each application when it
    # is submitted (``Application.company_profile``), so a case keeps what it said then.
    company_size = models.CharField(
        _("company size"), max_length=16, choices=CompanySize.choices, blank=True
    )
    is_startup = models.BooleanField(
        _("a start-up (founded within the last seven years)"), default=False
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    key_people = models.TextField(_("key people"), blank=True)
    licences = models.TextField(_("licences and registrations held"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    # Raised by each change of the profile, so a member saving over a colleague's newer edit is
    # told rather than silently overwriting it (optimistic locking, like a case's ``version``).
    profile_version = models.PositiveIntegerField(_("profile version"), default=1)

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
