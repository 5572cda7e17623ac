"""Pages of the public side: the register, a waiver's page and the statistics (anyone, no
sign-in); the applicant's publication page (claims and preview) and the officer's claims page.
Each view parses, checks, calls one service or selector and responds."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views import View

from accounts.access import StaffMixin, applicant_case, staff_case
from core.errors import InvalidInput, NotPermitted, NotVisible, StaleVersion, WrongState
from documents.letter_data import check_path
from documents.selectors import public_letters_of
from register import availability, charts, selectors, services, statistics
from register.csvfile import csv_response
from register.forms import ClaimDecisionForm, ClaimsForm, RegisterSearchForm
from register.models import TradeSecretClaim
from register.rules import LICENCE, ClaimStatus, PublishedField, RegisterStatus

# --- the public register --------------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    """Public pages may be kept briefly by the browser (they carry a per-visitor form token,
    so never by shared caches)."""
    response["Cache-Control"] = f"private, max-age={settings.PUBLIC_CACHE_SECONDS}"
    return response


class RegisterView(View):
    template_name = "register/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegisterSearchForm(request.GET or None)
        status = 200
        page = None
        if request.GET and not form.is_valid():
            status = 400
        else:
            query = form.query() if request.GET else selectors.RegisterQuery()
            try:
                page = selectors.register_page(query)
            except InvalidInput as error:
                form.put_errors(error.errors)
                status = 400
        params = request.GET.copy()
        params.pop("cursor", None)
        base = params.urlencode()
        params.pop("sort", None)
        csv_query = params.urlencode()
        context = {
            "form": form,
            "page": page,
            "next_url": _page_url(base, page.next_cursor) if page and page.next_cursor else "",
            "previous_url": _page_url(base, page.previous_cursor)
            if page and page.previous_cursor
            else "",
            "filtered": bool(request.GET),
            "csv_url": reverse("public-api:register-csv") + (f"?{csv_query}" if csv_query else ""),
        }
        return _public(render(request, self.template_name, context, status=status))


def _page_url(base: str, cursor: str) -> str:
    extra = urlencode({"cursor": cursor})
    return f"?{base}&{extra}" if base else f"?{extra}"


class RegisterEntryView(View):
    template_name = "register/entry.html"

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        try:
            entry = selectors.register_entry_get(reference=reference)
        except NotVisible as error:
            raise Http404(error.message) from error
        letters = [
            {"letter": letter, "check_url": check_path(letter.number, letter.verification_code)}
            for letter in public_letters_of(application=entry.application)
        ]
        context = {
            "entry": entry,
            "letters": letters,
            "withheld": [PublishedField(value).label for value in entry.withheld],
        }
        return _public(render(request, self.template_name, context))


class OpenDataView(View):
    template_name = "register/open_data.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        # The status values the open data carries, each as code (data) with its label.
        statuses = format_html_join(
            ", ", "<code>{}</code> ({})", ((v, label) for v, label in RegisterStatus.choices)
        )
        context = {
            "licence": LICENCE,
            "rate": settings.PUBLIC_API_THROTTLE_RATE,
            "statuses": statuses,
        }
        return _public(render(request, self.template_name, context))


# --- statistics -----------------------------------------------------------------------------------


class StatisticsView(View):
    template_name = "register/statistics.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        snapshot = services.statistics_current()
        figures = statistics.charts(snapshot.data, statistics.Labels.load())
        context = {
            "snapshot": snapshot,
            "headline": statistics.headline(snapshot.data),
            "charts": [{"chart": chart, "svg": charts.render(chart)} for chart in figures],
        }
        return _public(render(request, self.template_name, context))


class StatisticsCsvView(View):
    """One chart's data table as CSV, in the reader's language."""

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        snapshot = services.statistics_current()
        chart = next(
            (
                c
                for c in statistics.charts(snapshot.data, statistics.Labels.load())
                if c.slug == slug
            ),
            None,
        )
        if chart is None:
            raise Http404(_("No such table."))
        response = csv_response(slug, chart.table.columns, chart.table.rows)
        return _public(response)  # type: ignore[arg-type]


# --- trade-secret claims: the applicant's publication page ---------------------------------------


class PublicationView(LoginRequiredMixin, View):
    """What the register will publish of this case, and the parts the applicant claims as
    trade secrets (open before the decision)."""

    template_name = "register/publication.html"

    def _form(self, app: Any, claims: list[TradeSecretClaim]) -> ClaimsForm:
        initial: dict[str, Any] = {"version": app.version}
        for claim in claims:
            initial[f"claim_{claim.field}"] = True
            initial[f"reason_{claim.field}"] = claim.reason
        return ClaimsForm(initial=initial)

    def _render(self, request: HttpRequest, app: Any, form: Any, status: int = 200) -> HttpResponse:
        claims = selectors.claims_of(application=app)
        context = {
            "application": app,
            "preview": selectors.publication_preview(application=app),
            "claims": claims,
            "form": form if form is not None else self._form(app, claims),
            "open": availability.claims_open(request.user, app),
            "published": availability.published_if_granted(app),
            "granted": hasattr(app, "register_entry"),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        return self._render(request, app, None)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        if not availability.claims_open(request.user, app):
            messages.info(request, _("Trade secrets can no longer be claimed on this case."))
            return redirect("register-publication", pk=app.pk)
        form = ClaimsForm(request.POST)
        if form.is_valid():
            try:
                services.trade_secret_claims_set(
                    application=app,
                    by=request.user,
                    claims=form.claims(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersion as error:
                form.add_error(None, error.message)
            except InvalidInput as error:
                form.put_errors(error.errors)
            except WrongState as error:
                messages.info(request, error.message)
                return redirect("register-publication", pk=app.pk)
            else:
                messages.success(request, _("Your choices were saved. The preview shows them."))
                return redirect("register-publication", pk=app.pk)
        return self._render(request, app, form, status=400)


# --- trade-secret claims: the officer's decisions ------------------------------------------------


class ClaimsReviewView(StaffMixin):
    """The case's trade-secret claims, each with the officer's accept / refuse form."""

    template_name = "register/claims.html"

    def _render(
        self,
        request: HttpRequest,
        app: Any,
        bound: ClaimDecisionForm | None = None,
        bound_pk: int | None = None,
        status: int = 200,
    ) -> HttpResponse:
        may_decide = availability.claim_decisions_open(request.user, app)
        rows = []
        for claim in selectors.claims_of(application=app):
            form = None
            if may_decide and claim.status == ClaimStatus.CLAIMED:
                form = (
                    bound
                    if bound is not None and bound_pk == claim.pk
                    else ClaimDecisionForm(prefix=f"c{claim.pk}", initial={"version": app.version})
                )
            rows.append({"claim": claim, "form": form})
        context = {
            "application": app,
            "rows": rows,
            "preview": selectors.publication_preview(application=app),
            "may_decide": may_decide,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, claim_pk: int | None = None) -> HttpResponse:
        return self._render(request, staff_case(request, pk))

    def post(self, request: HttpRequest, pk: int, claim_pk: int | None = None) -> HttpResponse:
        app = staff_case(request, pk)
        claim = (
            TradeSecretClaim.objects.filter(pk=claim_pk, application=app).first()
            if claim_pk is not None
            else None
        )
        if claim is None:
            raise Http404(_("No such claim."))
        form = ClaimDecisionForm(request.POST, prefix=f"c{claim.pk}")
        if not form.is_valid():
            return self._render(request, app, form, claim.pk, status=400)
        try:
            services.trade_secret_claim_decide(
                claim=claim,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except InvalidInput as error:
            form.put_errors(error.errors)
            return self._render(request, app, form, claim.pk, status=400)
        except (StaleVersion, WrongState, NotPermitted) as error:
            form.add_error(None, error.message)
            return self._render(request, app, form, claim.pk, status=error.status_code)
        messages.success(request, _("Your decision on the claim was recorded."))
        return redirect("register-claims", pk=app.pk)
