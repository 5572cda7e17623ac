"""The structured test plan of an application: the data items (KPIs) the applicant will collect
during the test, each with its unit, how it is measured and how often. Filled in the application
form; periodic reports later ask for a value per item (``supervision``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models.case import Application


class DataItem(models.Model):
    """One data item of the test plan (KR 2025 guideline: define the data needed for a later
    law amendment; FCA testing plan; EU sandbox plan)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="data_items",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name = models.CharField(_("data item"), max_length=200)
    unit = models.CharField(_("unit"), max_length=100)
    method = models.CharField(_("how it is measured"), max_length=1000)
    frequency = models.CharField(_("how often"), max_length=100)
    target = models.CharField(_("target"), max_length=200, blank=True)

    class Meta:
        ordering = ["application", "position", "id"]
        verbose_name = _("test plan data item")
        verbose_name_plural = _("test plan data items")

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class CoApplicant(models.Model):
    """A co-applicant or partner where the service is run jointly (name, registration number,
    role); kept on the application, so the submitted case keeps them."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="co_applicants",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name = models.CharField(_("name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=32)
    role = models.CharField(_("role in the service"), max_length=400)

    class Meta:
        ordering = ["application", "position", "id"]
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")

    def __str__(self) -> str:
        return self.name
