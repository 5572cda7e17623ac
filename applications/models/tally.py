"""How many cases each programme holds in each status with each assigned officer
(``applications.tally``): rows of +1 and -1 written by the database with every change of a
case's programme, status or officer, in that change's transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseTally(models.Model):
    """One change to the number of cases of a programme, status and assigned officer: +1 for a
    case that came into that combination, -1 for one that left it. The sum of a combination's
    rows is how many cases it holds. Written by the triggers ``applications.tally`` installs,
    folded into one row per combination by ``tally.compact``; read by ``tally.total``.

    Plain integers rather than foreign keys: a row only ever counts, and it must not hold up
    the deletion of what it counts."""

    program_id = models.BigIntegerField(_("programme"))
    status = models.CharField(_("status"), max_length=50)
    officer_id = models.BigIntegerField(_("assigned officer"), null=True)
    n = models.IntegerField(_("change"))

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        indexes = [
            # A scope's programmes (the queue's tab counts), an officer's cases (*Mine*, the
            # workload panel). The second holds the change too: the workload panel sums two
            # figures for each officer of the ministry from it alone, without reading the
            # table (PostgreSQL; a tenth of a millisecond of each queue page).
            models.Index(fields=["program_id", "status"], name="case_tally_program"),
            models.Index(
                fields=["officer_id", "status"], include=["n"], name="case_tally_officer_n"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.n:+d} case(s) of programme {self.program_id} in {self.status}"
