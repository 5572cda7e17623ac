"""The due-process pages: the decision maker's under /review/<id>/sanctions/… (send a prior
notice, schedule and record a hearing, take or drop the measure, suspend urgently, resume or
extend a suspension, convert a waiver) and the company's under /apply/<id>/sanctions/… (answer a
notice with an opinion and files or ask for a hearing, request resumption with evidence).

Each page is supervision's ``FormPage``: it finds the case (404 when the person may not see it),
asks ``availability`` whether the action is open, parses one form, calls one service and
answers; domain errors go back onto the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import availability as kernel_availability
from applications import services as kernel_services
from applications.models import Application
from sanctions import availability, forms, selectors, services
from sanctions import permissions as perms
from sanctions.models import Measure
from supervision.views import ApplicantPage, StaffPage, _file, _files


def _version(app: Application) -> dict[str, Any]:
    return {"version": app.version}


class _NoticePage:
    """Pages about one prior notice: it is found by its number on the case (404 otherwise)."""

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        notice = selectors.notice_get_for(
            user=request.user, application=app, number=kwargs["number"]
        )
        return {
            "notice": notice,
            "opinion": notice.opinion if selectors.has_opinion(notice) else None,
            "hearings": list(notice.hearings.all()),
            "open": availability.notice_actions(request.user, app, notice),
            "_kwargs": kwargs,
        }


# --- the decision maker's pages ---------------------------------------------------------------------


class NoticeSendView(StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Send a prior notice")
    done = gettext_lazy("The prior notice was sent; its letter is being issued.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {
            "intro": _(
                "The company will have %(days)s days to give its opinion or ask for a hearing; "
                "the measure can be taken only after that, or once the opinion is in."
            )
            % {"days": app.track.opinion_days},
            "urgent": selectors.urgent_awaiting_notice(app),
            "submit_label": _("Send the prior notice"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "send_notice" in availability.case_actions(request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        records = selectors.grounds_choices(app)
        if data is None:
            initial = _version(app)
            if ctx.get("urgent"):
                initial["measure"] = Measure.SUSPEND
            return forms.NoticeForm(initial=initial, records=records)
        return forms.NoticeForm(data, records=records)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return _version(app)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.notice_send(
            application=app,
            by=request.user,
            measure=data["measure"],
            grounds=data["grounds"],
            incidents=list(data.get("incidents") or []),
            conditions=list(data.get("conditions") or []),
            reports=list(data.get("reports") or []),
            period_days=data.get("period_days"),
            expected_version=data["version"],
        )


class UrgentSuspendView(StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Suspend urgently")
    done = gettext_lazy("The waiver was suspended. Send the prior notice that follows it.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {
            "intro": _(
                "Without prior notice, only where users' life, health or safety is in danger. "
                "The notice procedure follows: send the prior notice next."
            ),
            "submit_label": _("Suspend now"),
            "danger": True,
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "urgent_suspend" in availability.case_actions(request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.UrgentForm(initial=_version(app)) if data is None else forms.UrgentForm(data)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return _version(app)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.urgent_suspend(
            application=app,
            by=request.user,
            ground=data["ground"],
            explanation=data["explanation"],
            ends_on=data["ends_on"],
            cure_steps=forms.lines(data["cure_steps"]),
            expected_version=data["version"],
        )


class NoticeView(_NoticePage, StaffPage):
    """A notice as the ministry sees it (opinion, hearings) with the measure form once open."""

    template_name = "sanctions/notice_staff.html"
    title = gettext_lazy("Take the measure")
    done = gettext_lazy("The measure was taken; its letter is being issued.")

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "take_measure" in ctx["open"]

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        notice = ctx["notice"]
        kwargs = {
            "opinion": ctx["opinion"] is not None,
            "suspension": notice.measure == Measure.SUSPEND,
        }
        if data is None:
            initial = _version(app)
            if notice.period_days:
                today = selectors.today_of(app)
                initial["ends_on"] = today + dt.timedelta(days=notice.period_days)
            return forms.MeasureForm(initial=initial, **kwargs)
        return forms.MeasureForm(data, **kwargs)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return _version(app)

    def render_page(
        self,
        request: HttpRequest,
        app: Application,
        ctx: dict[str, Any],
        form: Any,
        status: int = 200,
    ) -> Any:
        notice = ctx["notice"]
        not_yet = ""
        if (
            form is None
            and notice.is_open
            and not selectors.notice_ready(notice, today=selectors.today_of(app))
        ):
            not_yet = (
                selectors.procedure_problem(app, notice.measure, today=selectors.today_of(app))
                or ""
            )
        return super().render_page(request, app, {**ctx, "not_yet": not_yet}, form, status)

    def closed(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> Any:
        """Before the opinion deadline (and before an opinion) the measure is refused with the
        date it opens: 409, the notice shown, nothing written."""
        notice = ctx["notice"]
        if (
            notice.is_open
            and perms.can_take_measure(request.user, app)
            and not selectors.notice_ready(notice, today=selectors.today_of(app))
        ):
            return self.render_page(request, app, ctx, None, status=409)
        return super().closed(request, app, ctx)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.measure_take(
            notice=ctx["notice"],
            by=request.user,
            reason=data["reason"],
            assessment_outcome=data.get("assessment_outcome") or "",
            assessment=data.get("assessment") or "",
            ends_on=data.get("ends_on"),
            cure_steps=forms.lines(data.get("cure_steps") or ""),
            expected_version=data["version"],
        )


class HearingScheduleView(_NoticePage, StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Schedule a hearing")
    done = gettext_lazy("The hearing was scheduled; its notice letter is being issued.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        ctx = super().objects(request, app, **kwargs)
        return {**ctx, "submit_label": _("Schedule the hearing")}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "schedule_hearing" in ctx["open"]

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return (
            forms.HearingForm(tz=app.program.tz)
            if data is None
            else forms.HearingForm(data, tz=app.program.tz)
        )

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.hearing_schedule(
            notice=ctx["notice"],
            by=request.user,
            at=data["at"],
            place=data["place"],
            online=data["online"],
        )


class HearingRecordView(_NoticePage, StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Record the hearing")
    done = gettext_lazy("The minutes of the hearing were recorded.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        ctx = super().objects(request, app, **kwargs)
        hearing = selectors.hearing_get(ctx["notice"], kwargs["hearing_pk"])
        return {**ctx, "hearing": hearing, "submit_label": _("Record the minutes")}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        hearing = ctx["hearing"]
        return (
            "schedule_hearing" in ctx["open"]
            and hearing.held_at is None
            and hearing.scheduled_at <= timezone.now()
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.HearingRecordForm() if data is None else forms.HearingRecordForm(data, files)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.hearing_record(
            hearing=ctx["hearing"],
            by=request.user,
            attendees=data["attendees"],
            minutes=data["minutes"],
            minutes_file=_file(data.get("minutes_file")),
        )


class NoticeCloseView(_NoticePage, StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Close the notice without a measure")
    done = gettext_lazy("The prior notice was closed; no measure will be taken.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        ctx = super().objects(request, app, **kwargs)
        return {**ctx, "submit_label": _("Close the notice")}

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "close_notice" in ctx["open"]

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.CloseNoticeForm() if data is None else forms.CloseNoticeForm(data)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        services.notice_close(
            notice=ctx["notice"], by=request.user, reason=form.cleaned_data["reason"]
        )


class SuspensionDecideView(StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Resume or extend the suspension")
    done = gettext_lazy("The suspension was decided; its letter is being issued.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        suspension = selectors.suspension_in_force(app)
        return {
            "suspension": suspension,
            "request_pending": selectors.pending_resumption(suspension),
            "submit_label": _("Record the decision"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "decide_suspension" in availability.case_actions(request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return (
            forms.SuspensionDecisionForm(initial=_version(app))
            if data is None
            else forms.SuspensionDecisionForm(data)
        )

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return _version(app)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.suspension_decide(
            application=app,
            by=request.user,
            resume=data["decision"] == "resume",
            reason=data["reason"],
            new_end=data.get("new_end"),
            cure_steps=forms.lines(data.get("cure_steps") or ""),
            expected_version=data["version"],
        )


class ConvertView(StaffPage):
    template_name = "sanctions/staff_form.html"
    title = gettext_lazy("Convert into a temporary permit")
    done = gettext_lazy("The waiver was converted; its letter is being issued.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        target = app.track.conversion_track
        return {
            "intro": _(
                "The case moves to the track “%(track)s”, with the same term and conditions."
            )
            % {"track": target.display_name if target else "—"},
            "submit_label": _("Convert"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return kernel_availability.is_open(
            "convert", request.user, app, kernel_availability.case_facts(request.user, app)
        )

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.ConvertForm(initial=_version(app)) if data is None else forms.ConvertForm(data)

    def fresh(self, app: Application, ctx: dict[str, Any]) -> dict[str, Any]:
        return _version(app)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        kernel_services.application_convert(
            application=app,
            by=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )


# --- the company's pages ----------------------------------------------------------------------------


class OpinionView(_NoticePage, ApplicantPage):
    """A prior notice as the company reads it, with the opinion form until its deadline."""

    template_name = "sanctions/notice_applicant.html"
    title = gettext_lazy("Prior notice")
    done = gettext_lazy("Your opinion was sent to the ministry.")

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "submit_opinion" in ctx["open"]

    def closed_message(self, ctx: dict[str, Any]) -> str:
        return _("The opinion on this notice can no longer be submitted here.")

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.OpinionForm() if data is None else forms.OpinionForm(data, files)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.opinion_submit(
            notice=ctx["notice"],
            by=request.user,
            text=data["text"],
            hearing_requested=data["hearing_requested"],
            attachments=_files(data["attachments"]),
        )


class ResumptionRequestView(ApplicantPage):
    template_name = "sanctions/applicant_form.html"
    title = gettext_lazy("Request resumption")
    done = gettext_lazy("Your request was sent; the ministry will decide on it.")

    def objects(self, request: HttpRequest, app: Application, **kwargs: Any) -> dict[str, Any]:
        return {
            "suspension": selectors.suspension_in_force(app),
            "intro": _(
                "Say what you did to cure the grounds of the suspension and attach the evidence; "
                "the ministry lifts the suspension or extends it."
            ),
            "submit_label": _("Request resumption"),
        }

    def is_open(self, request: HttpRequest, app: Application, ctx: dict[str, Any]) -> bool:
        return "request_resumption" in availability.case_actions(request.user, app)

    def form(
        self, app: Application, ctx: dict[str, Any], data: Any = None, files: Any = None
    ) -> Any:
        return forms.ResumptionForm() if data is None else forms.ResumptionForm(data, files)

    def act(self, request: HttpRequest, app: Application, ctx: dict[str, Any], form: Any) -> None:
        data = form.cleaned_data
        services.resumption_request(
            application=app,
            by=request.user,
            evidence=data["evidence"],
            attachments=_files(data["attachments"]),
        )
