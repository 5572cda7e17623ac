"""Applicant portal under /apply/: the dashboard, the multi-step application form and the case
page with the actions open to the applicant.

Each view parses a form, checks who is asking (another organisation's case is a 404), calls one
service or selector and responds; domain errors go back onto the form next to the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_stubs_ext import StrOrPromise

from accounts.access import applicant_case
from applications import availability, sections, services, workflow
from applications.models import (
    Application,
    CoApplicant,
    Membership,
    Organization,
    RegulationConcerned,
    Track,
)
from applications.roles import Role, has_role
from applications.selectors import (
    application_submission_problems,
    applications_visible_to,
    history_page,
    history_seq,
)
from applications.workflow import ApplicationStatus as S
from core.dates import human_date
from core.errors import DomainError, InvalidInput, StaleVersion, WrongState
from documents.models import Document, document_type_label
from documents.selectors import documents_of, letters_of
from documents.services import (
    document_remove,
    document_upload,
    supplement_answer_with_documents,
)
from portal import forms, presentation, receipt
from supervision import selectors as supervision_selectors

STALE_MESSAGE = gettext_lazy(
    "This application changed since you opened it (in another tab or by a colleague). Your "
    "text is still below: check it against the current version and save again."
)


def _file(upload: UploadedFile) -> tuple[str, Any]:
    return upload.name or "", upload.chunks()


# --- dashboard and starting an application --------------------------------------------------------


class DashboardView(LoginRequiredMixin, View):
    """The organisation's cases grouped by what they ask of it (``presentation.group_of``): a
    few cards a group, all of one group in pages (``?group=``), a search over reference and
    title (``?q=``). A fixed number of queries whatever the number of cases."""

    PER_GROUP = 5  # cards a group shows on the overview
    PER_PAGE = 10  # cards a page shows when one group is chosen

    def get(self, request: HttpRequest) -> HttpResponse:
        if not has_role(request.user, Role.APPLICANT):
            return render(request, "portal/not_applicant.html", status=403)
        form = forms.DashboardFilterForm(request.GET or None)
        chosen, query = "", ""
        if form.is_valid():
            chosen, query = form.cleaned_data["group"], form.cleaned_data["q"]
        cases_qs = (
            applications_visible_to(user=request.user)
            .filter(organization__memberships__user_id=int(request.user.pk or 0))
            .prefetch_related("insurance_proofs", "extension_requests", "law_amendment_requests")
            .order_by("-updated_at")
        )
        for word in query.split():
            cases_qs = cases_qs.filter(Q(reference__icontains=word) | Q(title__icontains=word))
        cases = list(presentation.with_returned(cases_qs))
        now = timezone.now()
        reports = supervision_selectors.open_reports_for(cases)
        rows: list[dict[str, Any]] = [
            {
                "case": case,
                "next": presentation.next_step(case, now=now),
                "open_report": reports.get(case.pk),
                "report": presentation.report_step(reports[case.pk])
                if case.pk in reports
                else None,
            }
            for case in cases
        ]
        candidates = [{"case": row["case"], "next": row["next"]} for row in rows] + [
            {"case": row["case"], "next": row["report"]} for row in rows if row["report"]
        ]
        deadlines = sorted(
            (
                row
                for row in candidates
                if row["next"].deadline is not None
                and (
                    row["case"].status not in (S.ACTIVE, S.APPROVED)
                    # a waiver's own deadlines count once they are near (the first reminder)
                    or (row["next"].deadline - row["case"].program.local_date(now)).days <= 90
                )
            ),
            key=lambda row: row["next"].deadline,
        )
        groups = presentation.dashboard_groups(rows, now=now)
        page = None
        if chosen:
            group = next(g for g in groups if g.slug == chosen)
            page = Paginator(group.rows, self.PER_PAGE).get_page(request.GET.get("page"))
            groups = [group]
        context = {
            "rows": rows,
            "groups": groups,
            "chosen": chosen,
            "query": query,
            "page": page,
            "per_group": self.PER_GROUP,
            "form": form,
            "next_deadline": deadlines[0] if deadlines else None,
        }
        return render(request, "portal/dashboard.html", context)


def _applicant_organization(request: HttpRequest) -> Any:
    membership = (
        Membership.objects.select_related("organization")
        .filter(user_id=int(request.user.pk or 0))
        .order_by("-is_owner", "pk")
        .first()
    )
    if membership is None or not has_role(request.user, Role.APPLICANT):
        raise Http404(_("You are not a member of an organisation."))
    return membership.organization


def _open_tracks() -> Any:
    return (
        Track.objects.filter(is_active=True, program__is_active=True)
        .select_related("program")
        .order_by("program__code", "kind", "code")
    )


class CompanyProfileView(LoginRequiredMixin, View):
    """The organisation's company profile outside any application: what prefills the next
    one (each submitted application keeps its own copy)."""

    template_name = "portal/profile.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        organization = _applicant_organization(request)
        form = forms.CompanyForm.of(organization)
        return render(request, self.template_name, {"form": form, "organization": organization})

    def post(self, request: HttpRequest) -> HttpResponse:
        organization = _applicant_organization(request)
        form = forms.CompanyForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.organization_profile_update(
                    organization=organization,
                    by=request.user,
                    expected_version=form.cleaned_data["profile_version"],
                    **form.profile(),
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            except StaleVersion as error:
                organization.refresh_from_db()
                form = _rebound_with_version(form, organization.profile_version, "profile_version")
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, _("Your company profile was saved."))
                return redirect("company-profile")
        context = {"form": form, "organization": organization}
        return render(request, self.template_name, context, status=status)


def _with_guidance(tracks: Any) -> list[Any]:
    """The open tracks, each with its guidance (``presentation.track_guidance``)."""
    rows = list(tracks)
    for track in rows:
        track.guidance = presentation.track_guidance(track)
    return rows


class ApplicationStartView(LoginRequiredMixin, View):
    template_name = "portal/start.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        _applicant_organization(request)
        tracks = _open_tracks()
        rows = _with_guidance(tracks)  # read once: for the guidance and the radio buttons
        form = forms.StartForm(tracks=tracks, rows=rows)
        return render(request, self.template_name, {"form": form, "tracks": rows})

    def post(self, request: HttpRequest) -> HttpResponse:
        organization = _applicant_organization(request)
        tracks = _open_tracks()
        form = forms.StartForm(request.POST, tracks=tracks)
        if form.is_valid():
            track = form.cleaned_data["track"]
            try:
                app = services.application_create_draft(
                    by=request.user,
                    organization=organization,
                    program=track.program,
                    track=track,
                    title=form.cleaned_data["title"],
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                return redirect("application-step", pk=app.pk, step="service")
        rows = _with_guidance(tracks)
        form.show_rows(rows)
        context = {"form": form, "tracks": rows}
        return render(request, self.template_name, context, status=400)


TEMPLATES_DIR = Path(__file__).resolve().parent / "application_templates"


class ApplicationTemplateView(View):
    """A template for an attachment (business plan, safety plan, user-protection plan) in
    Korean or English: a small Markdown document anyone may download."""

    def get(self, request: HttpRequest, kind: str, language: str) -> HttpResponse:
        if kind not in presentation.TEMPLATE_TYPES or language not in ("ko", "en"):
            raise Http404(_("No such template."))
        path = TEMPLATES_DIR / f"{kind}.{language}.md"
        response = HttpResponse(path.read_bytes(), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}.{language}.md"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- the multi-step form -----------------------------------------------------------------------

FORM_STEPS: dict[str, type[forms.DraftStepForm]] = {
    "service": forms.ServiceForm,
    "scope": forms.ScopeForm,
    "safety": forms.SafetyForm,
    "insurance": forms.InsuranceForm,
    "declarations": forms.DeclarationsForm,
}


def _draft_or_redirect(request: HttpRequest, pk: int) -> Application | HttpResponse:
    app = applicant_case(request, pk)
    if app.status != S.DRAFT:
        messages.info(
            request, _("This application has been submitted; it can no longer be edited.")
        )
        return redirect("application-detail", pk=app.pk)
    return app


class ApplicationStepView(LoginRequiredMixin, View):
    """One page of the application form. Every save stores the draft, so a half-filled form
    survives signing out; "Save and come back later" returns to the dashboard."""

    def _step(self, app: Application, slug: str) -> sections.Step:
        step = sections.step_of(app, slug)
        if step is None:
            raise Http404(_("No such step."))
        return step

    def _render(
        self,
        request: HttpRequest,
        app: Application,
        step: sections.Step,
        status: int = 200,
        **extra: Any,
    ) -> HttpResponse:
        steps = sections.steps_for(app)
        if isinstance(extra.get("form"), forms.DraftStepForm):
            forms.mark_required_later(
                extra["form"], workflow.fields_required_for_submission(app.track)
            )
            if app.track.similar_review_days is None:
                # no fast review on this track: the question is not asked
                extra["form"].fields.pop("similar_reference", None)
        context = {
            "application": app,
            "step": step,
            "steps": steps,
            "step_number": [s.slug for s in steps].index(step.slug) + 1,
            "step_count": len(steps),
            **extra,
        }
        if step.slug == "company":
            context.setdefault("form", _company_form(app))
            context.setdefault("partner_form", forms.CoApplicantForm(prefix="partner"))
            context["co_applicants"] = app.co_applicants.all()
            template = "portal/step_company.html"
        elif step.slug == "scope":
            context.setdefault("item_form", forms.DataItemForm(prefix="item"))
            context["data_items"] = app.data_items.all()
            template = "portal/step_scope.html"
        elif step.slug == "regulations":
            context.setdefault("form", forms.RegulationForm())
            context["regulations"] = app.regulations.select_related("competent_ministry")
            template = "portal/step_regulations.html"
        elif step.slug == "documents":
            required = list(app.track.required_document_types or [])
            context.setdefault("form", forms.UploadForm(required_types=required))
            docs = list(documents_of(application=app))
            present = {d.doc_type for d in docs}
            context["documents"] = docs
            context["required"] = [
                {"code": c, "label": document_type_label(c), "present": c in present}
                for c in required
            ]
            template = "portal/step_documents.html"
        else:
            template = "portal/step_form.html"
        return render(request, template, context, status=status)

    def get(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        app = _draft_or_redirect(request, pk)
        if isinstance(app, HttpResponse):
            return app
        current = self._step(app, step)
        if step in FORM_STEPS:
            form_class = FORM_STEPS[step]
            initial = {
                name: getattr(app, name) for name in form_class.base_fields if name != "version"
            }
            initial["version"] = app.version
            return self._render(request, app, current, form=form_class(initial=initial))
        return self._render(request, app, current)

    def post(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        app = _draft_or_redirect(request, pk)
        if isinstance(app, HttpResponse):
            return app
        current = self._step(app, step)
        if step == "regulations":
            return self._add_regulation(request, app, current)
        if step == "documents":
            return self._upload(request, app, current)
        if step == "scope":
            return self._save_scope(request, app, current)
        if step == "company":
            return self._save_company(request, app, current)
        form = FORM_STEPS[step](request.POST)
        if form.is_valid():
            try:
                services.application_update_draft(
                    application=app,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.draft_fields(),
                )
            except StaleVersion:
                form = _rebound_with_version(form, app.version)
                form.add_error(None, STALE_MESSAGE)
            except InvalidInput as error:
                form.put_errors(error.errors)
            except WrongState as error:
                messages.info(request, error.message)
                return redirect("application-detail", pk=app.pk)
            else:
                return self._onward(request, app, current)
        return self._render(request, app, current, form=form, status=400)

    def _onward(self, request: HttpRequest, app: Application, step: sections.Step) -> HttpResponse:
        if "save_and_exit" in request.POST:
            messages.success(
                request, _("Your draft is saved. You can come back to it at any time.")
            )
            return redirect("apply-dashboard")
        following = sections.next_step_slug(app, step.slug)
        if following is None:
            return redirect("application-check", pk=app.pk)
        return redirect("application-step", pk=app.pk, step=following)

    def _save_scope(
        self, request: HttpRequest, app: Application, step: sections.Step
    ) -> HttpResponse:
        """The scope page holds the test plan's data items too: a typed item is added when the
        page is saved (never dropped silently), "Remove" takes one out; one transaction."""
        form = forms.ScopeForm(request.POST)
        item_form = forms.DataItemForm(request.POST, prefix="item")
        adding = item_form.typed()
        removing = None
        if request.POST.get("remove_item", "").isdigit():
            removing = app.data_items.filter(pk=int(request.POST["remove_item"])).first()
            if removing is None:
                raise Http404(_("No such data item."))
        if not (form.is_valid() and item_form.is_valid()):
            return self._render(request, app, step, form=form, item_form=item_form, status=400)
        try:
            services.application_update_scope(
                application=app,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                data_item=item_form.item() if adding else None,
                remove_data_item=removing,
                **form.draft_fields(),
            )
        except StaleVersion:
            form = _rebound_with_version(form, app.version)
            form.add_error(None, STALE_MESSAGE)
        except InvalidInput as error:
            item_errors = {k: v for k, v in error.errors.items() if k in item_form.fields}
            item_form.put_errors(item_errors)
            form.put_errors({k: v for k, v in error.errors.items() if k not in item_errors})
        except WrongState as error:
            messages.info(request, error.message)
            return redirect("application-detail", pk=app.pk)
        else:
            if adding:
                messages.success(
                    request,
                    _("The data item “%(name)s” was added.") % {"name": item_form.item()["name"]},
                )
            if removing is not None:
                messages.success(request, _("The data item was removed."))
            if "add_item" in request.POST or removing is not None:
                if not adding and removing is None:
                    messages.info(
                        request,
                        _(
                            "Your answers are saved. To add a data item, fill in its name, unit, "
                            "how it is measured and how often."
                        ),
                    )
                return redirect("application-step", pk=app.pk, step=step.slug)
            return self._onward(request, app, step)
        return self._render(request, app, step, form=form, item_form=item_form, status=400)

    def _add_regulation(
        self, request: HttpRequest, app: Application, step: sections.Step
    ) -> HttpResponse:
        """One form holds the regulation being typed and the page's buttons: a typed regulation
        is added whichever button is pressed (or refused with its messages), never dropped."""
        onward = "continue" in request.POST or "save_and_exit" in request.POST
        form = forms.RegulationForm(request.POST)
        if onward and not form.typed():
            return self._onward(request, app, step)
        if form.is_valid():
            try:
                services.regulation_add(application=app, by=request.user, **form.cleaned_data)
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                messages.success(request, _("The regulation was added."))
                if onward:
                    return self._onward(request, app, step)
                return redirect("application-step", pk=app.pk, step=step.slug)
        return self._render(request, app, step, form=form, status=400)

    def _save_company(
        self, request: HttpRequest, app: Application, step: sections.Step
    ) -> HttpResponse:
        """The company page: the organisation's profile, a partner typed (added whichever
        button is pressed, never dropped) and "Remove" for one; one transaction."""
        form = forms.CompanyForm(request.POST)
        partner_form = forms.CoApplicantForm(request.POST, prefix="partner")
        adding = partner_form.typed()
        removing = None
        if request.POST.get("remove_partner", "").isdigit():
            removing = CoApplicant.objects.filter(
                pk=int(request.POST["remove_partner"]), application=app
            ).first()
            if removing is None:
                raise Http404(_("No such co-applicant."))
        status = 400
        if form.is_valid() and partner_form.is_valid():
            try:
                services.application_update_company(
                    application=app,
                    by=request.user,
                    profile=form.profile(),
                    profile_version=form.cleaned_data["profile_version"],
                    co_applicant=partner_form.partner() if adding else None,
                    remove_co_applicant=removing,
                )
            except InvalidInput as error:
                partner_errors = {k: v for k, v in error.errors.items() if k in partner_form.fields}
                partner_form.put_errors(partner_errors)
                form.put_errors({k: v for k, v in error.errors.items() if k not in partner_errors})
            except StaleVersion as error:
                version = Organization.objects.get(pk=app.organization_id).profile_version
                form = _rebound_with_version(form, version, "profile_version")
                form.add_error(None, error.message)
                status = 409
            except WrongState as error:
                messages.info(request, error.message)
                return redirect("application-detail", pk=app.pk)
            else:
                if adding:
                    messages.success(
                        request,
                        _("“%(name)s” was added as a co-applicant.")
                        % {"name": partner_form.partner()["name"]},
                    )
                if removing is not None:
                    messages.success(request, _("The co-applicant was removed."))
                if "add_partner" in request.POST or removing is not None:
                    return redirect("application-step", pk=app.pk, step=step.slug)
                return self._onward(request, app, step)
        return self._render(request, app, step, form=form, partner_form=partner_form, status=status)

    def _upload(self, request: HttpRequest, app: Application, step: sections.Step) -> HttpResponse:
        """One form holds the file chosen and the page's buttons: a chosen file is uploaded
        whichever button is pressed (or refused with a message), never dropped."""
        onward = "continue" in request.POST or "save_and_exit" in request.POST
        if onward and not request.FILES.get("file"):
            return self._onward(request, app, step)
        required = list(app.track.required_document_types or [])
        form = forms.UploadForm(request.POST, request.FILES, required_types=required)
        if form.is_valid():
            try:
                document = document_upload(
                    application=app,
                    by=request.user,
                    doc_type=form.cleaned_data["doc_type"],
                    file=_file(form.cleaned_data["file"]),
                )
            except InvalidInput as error:
                form.put_errors(error.errors)
            else:
                messages.success(
                    request, _("“%(name)s” was uploaded.") % {"name": document.original_name}
                )
                if onward:
                    return self._onward(request, app, step)
                return redirect("application-step", pk=app.pk, step=step.slug)
        return self._render(request, app, step, form=form, status=400)


def _company_form(app: Application) -> forms.CompanyForm:
    return forms.CompanyForm.of(app.organization)


def _rebound_with_version(form: Any, version: int, field: str = "version") -> Any:
    """The same form with the person's text kept and the current version, so saving again
    is a conscious choice rather than a silent overwrite."""
    data = form.data.copy()
    data[field] = str(version)
    rebound = type(form)(data, form.files) if form.files else type(form)(data)
    rebound.is_valid()
    return rebound


class RegulationRemoveView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int, regulation_pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        regulation = RegulationConcerned.objects.filter(pk=regulation_pk, application=app).first()
        if regulation is None:
            raise Http404(_("No such regulation."))
        try:
            services.regulation_remove(regulation=regulation, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The regulation was removed."))
        return redirect("application-step", pk=app.pk, step="regulations")


class DocumentRemoveView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        document = Document.objects.filter(pk=document_pk, application=app).first()
        if document is None:
            raise Http404(_("No such document."))
        try:
            document_remove(document=document, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The file was removed from the draft."))
        return redirect("application-step", pk=app.pk, step="documents")


def submission_problems(app: Application) -> dict[str, list[str]]:
    """What still stops the draft from being submitted (the service's own check)."""
    missing = application_submission_problems(application=app)
    return {k: [v] for k, v in missing.items()}


def answers_context(app: Application, *, profile: dict[str, Any]) -> dict[str, Any]:
    """What ``portal/_answers.html`` shows: the sections' answers, the company profile given,
    co-applicants, regulations, the test plan's data items and the files of the application."""
    return {
        "application": app,
        "sections": sections.answers(app),
        "profile_rows": sections.profile_rows(profile),
        "co_applicants": list(app.co_applicants.all()),
        "regulations": app.regulations.select_related("competent_ministry"),
        "data_items": list(app.data_items.all()),
        "documents": documents_of(application=app).filter(stage=S.DRAFT),
    }


class ApplicationCheckView(LoginRequiredMixin, View):
    """Check your answers, then submit. A replayed or second-tab submit changes nothing."""

    template_name = "portal/check.html"

    def _render(
        self,
        request: HttpRequest,
        app: Application,
        problems: dict[str, list[str]],
        status: int = 200,
        notice: str = "",
    ) -> HttpResponse:
        summary = [
            {
                "field": name,
                "message": message,
                "url": reverse("application-step", args=[app.pk, sections.step_of_field(name)]),
            }
            for name, messages_ in problems.items()
            for message in messages_
        ]
        context = {
            **answers_context(app, profile=sections.live_profile(app.organization)),
            "problems": summary,
            "notice": notice,
            "form": forms.VersionForm(initial={"version": app.version}),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = _draft_or_redirect(request, pk)
        if isinstance(app, HttpResponse):
            return app
        return self._render(request, app, submission_problems(app))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        if app.status != S.DRAFT:
            messages.info(request, _("This application has already been submitted."))
            return redirect("application-detail", pk=app.pk)
        form = forms.VersionForm(request.POST)
        version = form.cleaned_data["version"] if form.is_valid() else None
        try:
            services.application_submit(application=app, by=request.user, expected_version=version)
        except InvalidInput as error:
            return self._render(request, app, error.errors, status=400)
        except StaleVersion:
            app.refresh_from_db()
            if app.status != S.DRAFT:
                messages.info(request, _("This application has already been submitted."))
                return redirect("application-detail", pk=app.pk)
            return self._render(
                request, app, submission_problems(app), status=409, notice=str(STALE_MESSAGE)
            )
        except WrongState:
            messages.info(request, _("This application has already been submitted."))
            return redirect("application-detail", pk=app.pk)
        messages.success(
            request,
            _(
                "Application submitted. Your reference number is %(reference)s. We have emailed "
                "you a receipt."
            )
            % {"reference": app.reference},
        )
        return redirect("application-detail", pk=app.pk)


# --- the case page and the applicant's actions ---------------------------------------------------


class ApplicationSubmittedView(LoginRequiredMixin, View):
    """A read-only copy of everything the application said at submission: answers, the company
    profile as it then stood, co-applicants, regulations, the test plan and the files sent with
    it. Open at any time after submission (a draft goes to its form)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        if app.status == S.DRAFT:
            return redirect("application-check", pk=app.pk)
        context = answers_context(app, profile=app.company_profile)
        return render(request, "portal/submitted.html", context)


class ApplicationDetailView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        now = timezone.now()
        supplement = app.supplement_requests.filter(
            answered_at__isnull=True, lapsed_at__isnull=True
        ).first()
        history = history_page(
            application=app,
            before=history_seq(request.GET.get("before", "")),
            after=history_seq(request.GET.get("after", "")),
            hidden=presentation.internal_actions(),
        )
        context = {
            "application": app,
            "next": presentation.next_step(app, now=now),
            "deadline": presentation.current_deadline(app),
            "actions": presentation.open_actions(request.user, app, now=now),
            "timeline": presentation.timeline(history.events),
            "history": history,
            "documents": documents_of(application=app),
            "letters": letters_of(application=app),
            "supplement": supplement,
            "regulations": app.regulations.all(),
            "returned": presentation.was_returned(app),
            "waiver": presentation.waiver(app),
            "follow_up_tracks": follow_up_tracks(app),
        }
        return render(request, "portal/detail.html", context)


class ApplicationReceiptView(LoginRequiredMixin, View):
    """The receipt (접수증) of a submitted application, made afresh as a PDF (portal/receipt.py)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        if app.reference is None or app.submitted_at is None:
            raise Http404(_("A draft has no receipt yet."))
        response = HttpResponse(receipt.receipt_pdf(app), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{app.reference}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def follow_up_tracks(app: Application) -> list[Track]:
    """The tracks a fast confirmation that a regulation applies leads on to: the programme's
    open demonstration-exemption and temporary-permit tracks (none for other cases)."""
    if not (
        app.status == S.CONFIRMED
        and app.confirmation_outcome == workflow.ConfirmationOutcome.REGULATION_APPLIES
    ):
        return []
    return list(
        Track.objects.filter(
            program=app.program, kind=workflow.TrackKind.EXEMPTION, is_active=True
        ).order_by("code")
    )


class FollowUpView(LoginRequiredMixin, View):
    """ "Apply for a demonstration exemption / temporary permit": a new draft prefilled from
    this confirmation case."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        track = next(
            (t for t in follow_up_tracks(app) if str(t.pk) == request.POST.get("track")), None
        )
        if track is None:
            messages.info(request, _("This case does not lead to a follow-up application."))
            return redirect("application-detail", pk=app.pk)
        try:
            draft = services.application_create_follow_up(source=app, by=request.user, track=track)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("application-detail", pk=app.pk)
        messages.success(
            request,
            _(
                "A new application was started from %(reference)s. Check each step, add what "
                "the exemption needs (scope, test plan, insurance) and submit it."
            )
            % {"reference": app.reference},
        )
        return redirect("application-step", pk=draft.pk, step="service")


class CaseActionView(LoginRequiredMixin, View):
    """A form page for one applicant action on a case; subclasses name the form and service."""

    template_name = "portal/action.html"
    form_class: type[forms.AccessibleForm] = forms.AccessibleForm
    # Lazy texts: class attributes are made at import, before any request's language is known.
    title: StrOrPromise = ""
    intro: StrOrPromise = ""
    submit_label: StrOrPromise = ""
    danger = False
    done_message: StrOrPromise = ""
    action = ""  # the name in ``applications.availability.ACTIONS``
    uses_version = False

    def form(self, app: Application, data: Any = None, files: Any = None) -> Any:
        if data is None:
            initial = {"version": app.version} if self.uses_version else {}
            return self.form_class(initial=initial)
        return self.form_class(data, files)

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def extra_context(self, app: Application) -> dict[str, Any]:
        return {}

    def _render(
        self, request: HttpRequest, app: Application, form: Any, status: int = 200
    ) -> HttpResponse:
        context = {
            "application": app,
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "danger": self.danger,
            "multipart": any(f.widget.needs_multipart_form for f in form.fields.values()),
            **self.extra_context(app),
        }
        return render(request, self.template_name, context, status=status)

    def _closed(self, request: HttpRequest, app: Application) -> HttpResponse | None:
        if not availability.is_open(
            self.action, request.user, app, availability.case_facts(request.user, app)
        ):
            messages.info(request, _("This action is not open on this case now."))
            return redirect("application-detail", pk=app.pk)
        return None

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        return self._closed(request, app) or self._render(request, app, self.form(app))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = applicant_case(request, pk)
        closed = self._closed(request, app)
        if closed:
            return closed
        form = self.form(app, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.act(request, app, form.cleaned_data)
            except StaleVersion:
                app.refresh_from_db()
                closed = self._closed(request, app)
                if closed:
                    return closed
                form = _rebound_with_version(form, app.version)
                form.add_error(None, STALE_MESSAGE)
            except InvalidInput as error:
                form.put_errors(error.errors)
            except WrongState as error:
                messages.info(request, error.message)
                return redirect("application-detail", pk=app.pk)
            else:
                messages.success(request, self.done_message)
                return redirect("application-detail", pk=app.pk)
        return self._render(request, app, form, status=400)


class SupplementAnswerView(CaseActionView):
    form_class = forms.SupplementAnswerForm
    title = gettext_lazy("Answer the supplement request")
    submit_label = gettext_lazy("Send your answer")
    done_message = gettext_lazy("Your answer was sent. The review continues.")
    action = "answer_supplement"
    uses_version = True

    def extra_context(self, app: Application) -> dict[str, Any]:
        request_ = app.supplement_requests.filter(
            answered_at__isnull=True, lapsed_at__isnull=True
        ).first()
        return {"supplement": request_}

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        supplement_answer_with_documents(
            application=app,
            by=request.user,
            message=data["message"],
            files=[_file(f) for f in data["attachments"]],
            expected_version=data["version"],
        )


class WithdrawView(CaseActionView):
    form_class = forms.WithdrawForm
    title = gettext_lazy("Withdraw the application")
    intro = gettext_lazy(
        "Withdrawing ends this application. You cannot undo it; to try again you would "
        "start a new application."
    )
    submit_label = gettext_lazy("Withdraw the application")
    danger = True
    done_message = gettext_lazy("The application was withdrawn.")
    action = "withdraw"
    uses_version = True

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        services.application_withdraw(
            application=app,
            by=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )


class ReconsiderationView(CaseActionView):
    form_class = forms.ReconsiderationForm
    title = gettext_lazy("Request reconsideration")
    intro = gettext_lazy(
        "The committee will look at the decision again. Explain what it should take into account."
    )
    submit_label = gettext_lazy("Send the request")
    done_message = gettext_lazy("Your request for reconsideration was sent to the committee.")
    action = "request_reconsideration"
    uses_version = True

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        services.application_request_reconsideration(
            application=app,
            by=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )


class ExtensionView(CaseActionView):
    form_class = forms.ExtensionForm
    title = gettext_lazy("Request an extension")
    submit_label = gettext_lazy("Send the request")
    done_message = gettext_lazy("Your extension request was sent.")
    action = "request_extension"

    def extra_context(self, app: Application) -> dict[str, Any]:
        return {
            "intro_detail": _(
                "The term now ends on %(end)s. This track allows %(max)s "
                "extension(s) of up to %(days)s days."
            )
            % {
                "end": human_date(app.term_end),
                "max": app.track.max_extensions,
                "days": app.track.extension_term_days,
            }
        }

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        services.extension_request_file(
            application=app, by=request.user, new_end=data["new_end"], reason=data["reason"]
        )


class LawAmendmentView(CaseActionView):
    form_class = forms.LawAmendmentForm
    title = gettext_lazy("Request a law amendment")
    intro = gettext_lazy(
        "If the test shows the service is safe, you can ask for the law to be amended. "
        "While the request is considered, the waiver does not expire."
    )
    submit_label = gettext_lazy("Send the request")
    done_message = gettext_lazy("Your law-amendment request was sent.")
    action = "request_law_amendment"

    def act(self, request: HttpRequest, app: Application, data: dict[str, Any]) -> None:
        services.law_amendment_request_file(application=app, by=request.user, reason=data["reason"])
