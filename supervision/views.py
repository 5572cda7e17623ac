"""Supervision's pages: the company's filings under /apply/<id>/… and the ministry's reviews
under /review/<id>/…. Each view finds the case (404 when the person may not see it), asks
``availability`` whether the action is open, parses one form, calls one service and answers;
domain errors go back onto the form, a replayed or stale form keeps the person's input (409)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.access import StaffMixin, applicant_case, staff_case
from applications import availability as kernel_availability
from applications.models import Application, InsuranceProof
from core.errors import DomainError, InvalidInput, NotPermitted, NotVisible, StaleVersion
from supervision import availability, forms, selectors, services
from supervision.models import (
    ConditionRecord,
    FilingStatus,
    IncidentStatus,
    ReportStatus,
    UserNotice,
)

STALE = gettext_lazy(
    "This changed since you opened the page (in another tab or by someone else). Your input is "
    "kept below: check the page again, then send it again if it still applies."
)


def _files(items: list[UploadedFile]) -> list[tuple[str, Any]]:
    return [(f.name or "", f.chunks()) for f in items]


def _file(item: UploadedFile | None) -> tuple[str, Any] | None:
    return (item.name or "", item.chunks()) if item is not None else None


def _case_url(app: Application, staff: bool) -> str:
    return reverse("review-case" if staff else "application-detail", args=[app.pk])


class FormPage(View):
    """One page with (at most) one form: subclasses find their objects, say whether the action
    is open, build the form and call the service."""

    template_name = ""
    staff = False
    title: Promise | str = ""
    done: Promise | str = ""

    def case(self, request: HttpRequest, pk: int) -> Application:
        return staff_case(request, pk) if self.staff else applicant_case(request, pk)

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        raise NotImplementedError

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        raise NotImplementedError

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        """Hidden values a stale form gets back (the current version or count)."""
        return {}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        raise NotImplementedError

    def _context(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        try:
            return self.objects(request, app, **kwargs)
        except NotVisible as error:
            raise Http404(error.message) from error

    def render_page(
        self,
        request: HttpRequest,
        app: Application,
        ctx: dict[str, Any],
        form: Any,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "application": app,
            "form": form,
            "title": self.title,
            "multipart": form is not None
            and any(f.widget.needs_multipart_form for f in form.fields.values()),
            **ctx,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        app = self.case(request, pk)
        ctx = self._context(request, app, **kwargs)
        form = self.form(app, ctx) if self.is_open(request, app, ctx) else None
        return self.render_page(request, app, ctx, form)

    def closed_message(self, ctx: dict[str, Any]) -> str:
        return _("This is not open on this case now.")

    def closed(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> HttpResponse:
        if self.staff:
            return render(
                request,
                "supervision/not_allowed.html",
                {"application": app, "title": self.title},
                status=403,
            )
        messages.info(request, self.closed_message(ctx))
        return redirect(_case_url(app, staff=False))

    def _posted_stale(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        fresh = self.fresh(app, ctx)
        return any(
            request.POST.get(key, "").isdigit() and request.POST[key] != str(value)
            for key, value in fresh.items()
        )

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        app = self.case(request, pk)
        ctx = self._context(request, app, **kwargs)
        form = self.form(app, ctx, request.POST, request.FILES)
        if not self.is_open(request, app, ctx):
            if self.staff and self._posted_stale(request, app, ctx):
                return self._stale(request, app, ctx, form)
            return self.closed(request, app, ctx)
        if not form.is_valid():
            return self.render_page(request, app, ctx, form, status=400)
        try:
            self.act(request, app, ctx, form)
        except StaleVersion as error:
            return self._stale(request, app, ctx, form, error.message)
        except InvalidInput as error:
            form.put_errors(error.errors)
            return self.render_page(request, app, ctx, form, status=error.status_code)
        except NotPermitted as error:
            form.add_error(None, error.message)
            return self.render_page(request, app, ctx, form, status=403)
        except NotVisible as error:
            raise Http404(error.message) from error
        except DomainError as error:  # wrong state: someone else moved it on
            if not self.staff:
                messages.info(request, error.message)
                return redirect(_case_url(app, staff=False))
            form.add_error(None, error.message)
            return self.render_page(request, app, ctx, form, status=error.status_code)
        messages.success(request, str(self.done))
        return redirect(_case_url(app, self.staff))

    def _stale(
        self,
        request: HttpRequest,
        app: Application,
        ctx: dict[str, Any],
        form: Any,
        message: str = "",
    ) -> HttpResponse:
        app = self.case(request, app.pk)
        ctx = self._context(request, app, **ctx.get("_kwargs", {}))
        data = form.data.copy()
        for key, value in self.fresh(app, ctx).items():
            data[key] = str(value)
        rebound = self.form(app, ctx, data, form.files)
        rebound.is_valid()
        rebound.add_error(None, message or str(STALE))
        return self.render_page(request, app, ctx, rebound, status=409)


# --- the company's pages ------------------------------------------------------------------------


class ApplicantPage(LoginRequiredMixin, FormPage):
    pass


class ReportFileView(ApplicantPage):
    """A report of the schedule: its earlier filings (with the ministry's reasons) and, while it
    is open, the form to file it."""

    template_name = "supervision/report_file.html"
    title = gettext_lazy("Submit a report")
    done = gettext_lazy("Your report was submitted. The ministry will review it.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        report = selectors.report_get_for(
            user=request.user, application=app, pk=kwargs["report_pk"]
        )
        return {
            "report": report,
            "items": list(selectors.data_items_of(app)),
            "filings": list(report.submissions.all()),
            "_kwargs": kwargs,
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        report = ctx["report"]
        today = app.program.local_date(timezone.now())
        return report.fileable_on(today) and availability.is_open("file_report", request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        report = ctx["report"]
        if data is None:
            initial = {
                "version": report.version,
                "period_start": report.period_start,
                "period_end": report.period_end,
            }
            form = forms.ReportForm(initial=initial, items=ctx["items"])
        else:
            form = forms.ReportForm(data, files, items=ctx["items"])
        return form

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"version": ctx["report"].version}

    def closed_message(self, ctx: dict[str, Any]) -> str:
        if ctx["report"].is_open:
            return _("This report can be filed from %(date)s, the last day of its period.") % {
                "date": formats.date_format(ctx["report"].period_end, "DATE_FORMAT")
            }
        if not ctx["report"].is_open:
            return _("This report has already been submitted (%(status)s).") % {
                "status": ctx["report"].get_status_display()
            }
        return super().closed_message(ctx)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.report_file(
            report=ctx["report"],
            by=request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            users_served=data["users_served"],
            transactions=data["transactions"],
            complaints=data["complaints"],
            complaints_summary=data["complaints_summary"],
            incidents_summary=data["incidents_summary"],
            problems=data["problems"],
            values=form.values(),
            attachments=_files(data["attachments"]),
            expected_version=data["version"],
        )


class IncidentReportView(ApplicantPage):
    template_name = "supervision/applicant_form.html"
    title = gettext_lazy("Report an incident")
    done = gettext_lazy("The incident was reported to the ministry.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {
            "count": app.incidents.count(),
            "intro": _(
                "Report harm or a risk to users as soon as you find out. Serious incidents must "
                "be reported within %(hours)s hours of being found; the ministry is told at once."
            )
            % {"hours": selectors.incident_rules(app.track).serious_incident_hours},
            "submit_label": _("Report the incident"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return availability.is_open("report_incident", request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        kwargs = {"tz": app.program.tz}
        form = (
            forms.IncidentForm(initial={"known": ctx["count"]}, **kwargs)
            if data is None
            else forms.IncidentForm(data, files, **kwargs)
        )
        return form

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"known": ctx["count"]}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.incident_report(
            application=app,
            by=request.user,
            category=data["category"],
            severity=data["severity"],
            occurred_at=data["occurred_at"],
            detected_at=data["detected_at"],
            affected_users=data["affected_users"],
            description=data["description"],
            actions_taken=data["actions_taken"],
            corrective_actions=data["corrective_actions"],
            attachments=_files(data["attachments"]),
            expected_count=data["known"],
        )


class IncidentView(ApplicantPage):
    """An incident the company reported, with the ministry's messages; the answer form while a
    question waits."""

    template_name = "supervision/incident.html"
    title = gettext_lazy("Answer the ministry's question")
    done = gettext_lazy("Your answer was sent to the ministry.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        incident = selectors.incident_get_for(
            user=request.user, application=app, pk=kwargs["incident_pk"]
        )
        return {"incident": incident, "_kwargs": kwargs}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return ctx["incident"].status == IncidentStatus.AWAITING_ANSWER and availability.is_open(
            "answer_incident_question", request.user, app
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        if data is None:
            return forms.AnswerForm(initial={"version": ctx["incident"].version})
        return forms.AnswerForm(data)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"version": ctx["incident"].version}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        services.incident_step(
            incident=ctx["incident"],
            by=request.user,
            step="answer",
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )


class InsuranceView(ApplicantPage):
    """File a liability insurance policy (the kernel's ``add_insurance_proof`` action)."""

    template_name = "supervision/applicant_form.html"
    title = gettext_lazy("Add insurance proof")
    done = gettext_lazy("The insurance proof was added.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        rules = selectors.settings_for(app.track)
        minimums = selectors.cover_shortfall(
            InsuranceProof(insured_amount=0), rules
        )  # every minimum the track sets, in words
        return {
            "count": InsuranceProof.objects.filter(application=app).count(),
            "intro": _(
                "The cover must run for the whole term of the waiver; a policy that ends earlier "
                "must be renewed before it lapses."
            ),
            "intro_detail": " ".join(minimums.values()),
            "submit_label": _("Add insurance proof"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return kernel_availability.is_open(
            "add_insurance_proof",
            request.user,
            app,
            kernel_availability.case_facts(request.user, app),
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        if data is None:
            return forms.InsurancePolicyForm(initial={"known": ctx["count"]})
        return forms.InsurancePolicyForm(data, files)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"known": ctx["count"]}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.insurance_policy_file(
            application=app,
            by=request.user,
            insurer=data["insurer"],
            policy_number=data["policy_number"],
            coverage_start=data["coverage_start"],
            coverage_end=data["coverage_end"],
            insured_amount=data["insured_amount"],
            coverage_per_person=data["coverage_per_person"],
            coverage_per_accident=data["coverage_per_accident"],
            certificate=_file(data.get("certificate")),
            expected_count=data["known"],
        )


class UserNoticeView(ApplicantPage):
    template_name = "supervision/applicant_form.html"
    title = gettext_lazy("File user notice evidence")
    done = gettext_lazy("Your user notice evidence was filed. The ministry will review it.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {
            "count": app.user_notices.count(),
            "intro": _(
                "Show how users are told that the service runs under a regulatory exemption: its "
                "term, what is exempted, and whom to contact."
            ),
            "submit_label": _("File the evidence"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return availability.is_open("file_user_notice", request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        if data is None:
            return forms.UserNoticeForm(initial={"known": ctx["count"]})
        return forms.UserNoticeForm(data, files)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"known": ctx["count"]}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.user_notice_file(
            application=app,
            by=request.user,
            channels=data["channels"],
            notice_text=data["notice_text"],
            url=data["url"],
            attachments=_files(data["attachments"]),
            expected_count=data["known"],
        )


# --- the ministry's pages ------------------------------------------------------------------------


class StaffPage(StaffMixin, FormPage):
    staff = True


class ReportReviewView(StaffPage):
    template_name = "supervision/report_review.html"
    title = gettext_lazy("Review the report")
    done = gettext_lazy("Your review of the report was recorded.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        report = selectors.report_get_for(
            user=request.user, application=app, pk=kwargs["report_pk"]
        )
        return {"report": report, "filings": list(report.submissions.all()), "_kwargs": kwargs}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return ctx["report"].status == ReportStatus.SUBMITTED and availability.is_open(
            "review_report", request.user, app
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        if data is None:
            return forms.ReportReviewForm(initial={"version": ctx["report"].version})
        return forms.ReportReviewForm(data)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"version": ctx["report"].version}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        services.report_review(
            report=ctx["report"],
            by=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reasons=form.cleaned_data["reasons"],
            expected_version=form.cleaned_data["version"],
        )


class IncidentReviewView(StaffPage):
    template_name = "supervision/incident.html"
    title = gettext_lazy("Handle the incident")
    done = gettext_lazy("The incident was updated.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        incident = selectors.incident_get_for(
            user=request.user, application=app, pk=kwargs["incident_pk"]
        )
        steps = services.incident_steps_open(incident) - {"answer"}
        return {"incident": incident, "steps": steps, "staff": True, "_kwargs": kwargs}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return bool(ctx["steps"]) and availability.is_open("handle_incident", request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        kwargs = {"steps": sorted(ctx["steps"])}
        form = (
            forms.IncidentStepForm(initial={"version": ctx["incident"].version}, **kwargs)
            if data is None
            else forms.IncidentStepForm(data, **kwargs)
        )
        return form

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"version": ctx["incident"].version}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        services.incident_step(
            incident=ctx["incident"],
            by=request.user,
            step=form.cleaned_data["step"],
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )


class PolicyReviewView(StaffPage):
    template_name = "supervision/filing_review.html"
    title = gettext_lazy("Review the insurance policy")
    done = gettext_lazy("Your review of the insurance policy was recorded.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        proof = (
            InsuranceProof.objects.select_related("policy__certificate", "policy__reviewed_by")
            .filter(application=app, pk=kwargs["proof_pk"])
            .first()
        )
        if proof is None:
            raise NotVisible(_("No such insurance policy."))
        return {
            "proof": proof,
            "status": selectors.policy_status(proof),
            "shortfall": selectors.cover_shortfall(proof, selectors.settings_for(app.track)),
            "_kwargs": kwargs,
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return ctx["status"] == FilingStatus.SUBMITTED and availability.is_open(
            "review_insurance_policy", request.user, app
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.FilingReviewForm(data)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        services.insurance_policy_review(
            proof=ctx["proof"],
            by=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reasons=form.cleaned_data["reasons"],
        )


class NoticeReviewView(StaffPage):
    template_name = "supervision/filing_review.html"
    title = gettext_lazy("Review the user notice")
    done = gettext_lazy("Your review of the user notice was recorded.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        notice = selectors.user_notices_of(app).filter(pk=kwargs["notice_pk"]).first()
        if notice is None:
            raise NotVisible(_("No such user notice."))
        return {"notice": notice, "status": notice.status, "_kwargs": kwargs}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return ctx["status"] == FilingStatus.SUBMITTED and availability.is_open(
            "review_user_notice", request.user, app
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.FilingReviewForm(data)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        notice: UserNotice = ctx["notice"]
        services.user_notice_review(
            notice=notice,
            by=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reasons=form.cleaned_data["reasons"],
        )


class ConditionView(StaffPage):
    template_name = "supervision/condition.html"
    title = gettext_lazy("Update the condition")
    done = gettext_lazy("The condition was updated.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        record = selectors.conditions_of(app).filter(pk=kwargs["condition_pk"]).first()
        if record is None:
            raise NotVisible(_("No such condition."))
        return {"condition": record, "_kwargs": kwargs}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return availability.is_open("update_condition", request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        record: ConditionRecord = ctx["condition"]
        if data is None:
            return forms.ConditionForm(
                initial={
                    "version": record.version,
                    "status": record.status,
                    "evidence": record.evidence,
                    "note": record.note,
                }
            )
        return forms.ConditionForm(data)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"version": ctx["condition"].version}

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.condition_update(
            record=ctx["condition"],
            by=request.user,
            status=data["status"],
            evidence=data["evidence"],
            note=data["note"],
            expected_version=data["version"],
        )
