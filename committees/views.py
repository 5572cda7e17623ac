"""Committee pages under /review/committees/: the meetings a person takes part in, planning a
meeting, the meeting page (agenda, papers, attendance, results, minutes, decisions) and one form
page per action. Views parse, check, call one service or selector and respond; domain errors go
back onto the form or the page with their status (400, 403, 404, 409)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.access import StaffMixin
from applications.models import Application
from applications.selectors import applications_visible_to
from committees import availability, forms, selectors, services
from committees import permissions as perms
from committees.models import AgendaItem, Committee, Meeting, MeetingStatus, Seat
from core.errors import DomainError, InvalidInput, NotVisible, StaleVersion
from documents.models import Paper
from documents.storage import open_private, paper_key

STALE_MESSAGE = gettext_lazy(
    "This meeting changed since you opened it (someone else acted on it). Look at it again, "
    "then repeat what you meant to do if it still applies."
)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    try:
        return selectors.meeting_get_for(user=request.user, pk=pk)
    except NotVisible as error:
        raise Http404(error.message) from error


def _item(request: HttpRequest, pk: int) -> AgendaItem:
    try:
        return selectors.item_get_for(user=request.user, pk=pk)
    except NotVisible as error:
        raise Http404(error.message) from error


def seat_label(seat: Seat) -> str:
    label = f"{seat.display_name} ({seat.get_role_display()})"
    return f"{label}, {seat.affiliation}" if seat.affiliation else label


def meeting_context(user: Any, meeting: Meeting) -> dict[str, Any]:
    """Everything the meeting page shows this user, with what is open to them."""
    actions = availability.open_actions(user, meeting)
    items = list(selectors.agenda_of(meeting))
    seat = perms.seat_of(user, meeting)
    # Members read the agenda once the papers are sent; the secretariat builds it before that.
    member_only = (
        seat is not None
        and not perms.can_manage_meeting(user, meeting)
        and not perms.is_decider(user, meeting.committee)
    )
    visible_cases = set(
        applications_visible_to(user=user)
        .filter(pk__in=[item.application_id for item in items])
        .values_list("pk", flat=True)
    )
    seats = selectors.seats_in_office(meeting.committee, meeting.local_date)
    present = selectors.present_seat_ids(meeting)
    rows = []
    for item in items:
        recused_seats = {r.seat_id for r in item.recusals.all()}
        rows.append(
            {
                "item": item,
                "app": item.application,
                "recommendation": selectors.latest_recommendation(item.application),
                "recused": [r.seat.display_name for r in item.recusals.all()],
                "votes": _vote_counts(item),
                "case_link": item.application_id in visible_cases,
                "i_recused": seat is not None and seat.pk in recused_seats,
                "may_recuse": "declare_recusal" in actions
                and seat is not None
                and seat.pk not in recused_seats
                and not item.result
                and not item.is_dropped,
                "may_record": "record_results" in actions and not item.is_dropped,
            }
        )
    return {
        "meeting": meeting,
        "committee": meeting.committee,
        "program": meeting.committee.program,
        "actions": actions,
        "rows": rows,
        "agenda_shown": not member_only or meeting.status != MeetingStatus.PLANNED,
        "waiting": selectors.waiting_for_agenda(meeting.committee)
        if "edit_agenda" in actions
        else [],
        "present": [seat_label(s) for s in seats if s.pk in present],
        "absent": [seat_label(s) for s in seats if s.pk not in present],
        "members": [seat_label(s) for s in seats],
        "my_seat": seat,
        "undecided": selectors.undecided_items(meeting).count()
        if meeting.status == MeetingStatus.MINUTES_APPROVED
        else 0,
    }


def _vote_counts(item: AgendaItem) -> dict[str, int] | None:
    votes = list(item.votes.all())
    if not votes:
        return None
    return {
        choice: sum(1 for v in votes if v.choice == choice)
        for choice in ("for", "against", "abstain")
    }


def render_meeting(
    request: HttpRequest, meeting: Meeting, *, problem: str = "", status: int = 200
) -> HttpResponse:
    context = {**meeting_context(request.user, meeting), "problem": problem}
    return render(request, "committees/meeting.html", context, status=status)


# --- lists and planning ------------------------------------------------------------------------


class MeetingListView(StaffMixin):
    def get(self, request: HttpRequest) -> HttpResponse:
        meetings = list(selectors.meetings_visible_to(user=request.user))
        now = timezone.now()
        done = {MeetingStatus.MINUTES_APPROVED}
        context = {
            "upcoming": [m for m in meetings if m.status not in done or m.starts_at >= now][::-1],
            "past": [m for m in meetings if m.status in done and m.starts_at < now],
            "plannable": selectors.committees_planned_by(user=request.user),
        }
        return render(request, "committees/meetings.html", context)


class MeetingPlanView(StaffMixin):
    template_name = "committees/plan.html"

    def _committee(self, request: HttpRequest, pk: int) -> Committee:
        committee = Committee.objects.select_related("program").filter(pk=pk).first()
        if committee is None or not perms.can_view_committee(request.user, committee):
            raise Http404(_("No such committee."))
        if not perms.can_plan_meeting(request.user, committee):
            raise PermissionDenied(_("Only the committee's secretariat plans its meetings."))
        return committee

    def get(self, request: HttpRequest, committee: int) -> HttpResponse:
        group = self._committee(request, committee)
        form = forms.MeetingPlanForm(initial={"number": selectors.next_meeting_number(group)})
        return render(request, self.template_name, {"committee": group, "form": form})

    def post(self, request: HttpRequest, committee: int) -> HttpResponse:
        group = self._committee(request, committee)
        form = forms.MeetingPlanForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_plan(
                    committee=group,
                    by=request.user,
                    starts_at=form.starts_at(group.program.tz),
                    venue=form.cleaned_data["venue"],
                    place=form.cleaned_data["place"],
                    number=form.cleaned_data["number"],
                )
            except DomainError as error:
                _put(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The meeting is planned. Now build its agenda."))
                return redirect("committee-meeting", pk=meeting.pk)
        else:
            status = 400
        return render(
            request, self.template_name, {"committee": group, "form": form}, status=status
        )


def _put(form: Any, error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        form.put_errors(error.errors)
    elif isinstance(error, StaleVersion):
        form.add_error(None, str(STALE_MESSAGE))
    else:
        form.add_error(None, error.message)


# --- the meeting page and its buttons ----------------------------------------------------------


class MeetingView(StaffMixin):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_meeting(request, _meeting(request, pk))


class MeetingButtonView(StaffMixin):
    """A button on the meeting page: a small form with the meeting version; a refusal is shown
    on the page with its status, success goes back to the page with a message."""

    form_class: type[forms.VersionForm] = forms.VersionForm

    def act(
        self, request: HttpRequest, meeting: Meeting, data: dict[str, Any], **kwargs: Any
    ) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        meeting = _meeting(request, pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            return render_meeting(
                request, meeting, problem=_("The form was incomplete."), status=400
            )
        try:
            done = self.act(request, meeting, form.cleaned_data, **kwargs)
        except StaleVersion:
            return render_meeting(
                request, _meeting(request, pk), problem=str(STALE_MESSAGE), status=409
            )
        except DomainError as error:
            return render_meeting(
                request, _meeting(request, pk), problem=error.message, status=error.status_code
            )
        messages.success(request, done)
        return redirect("committee-meeting", pk=meeting.pk)


class AgendaAddView(MeetingButtonView):
    form_class = forms.AgendaAddForm

    def act(
        self, request: HttpRequest, meeting: Meeting, data: dict[str, Any], **kwargs: Any
    ) -> str:
        application = Application.objects.filter(pk=data["application"]).first()
        if application is None:
            raise NotVisible(_("No such application."))
        services.agenda_add(
            meeting=meeting,
            application=application,
            by=request.user,
            expected_version=data["version"],
        )
        return _("The case is on the agenda.")


def _item_of(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = meeting.items.filter(pk=item_pk).first()
    if item is None:
        raise NotVisible(_("No such agenda item."))
    return item


class AgendaMoveView(MeetingButtonView):
    form_class = forms.AgendaMoveForm

    def act(
        self, request: HttpRequest, meeting: Meeting, data: dict[str, Any], **kwargs: Any
    ) -> str:
        services.agenda_move(
            item=_item_of(meeting, kwargs["item"]),
            by=request.user,
            direction=data["direction"],
            expected_version=data["version"],
        )
        return _("The agenda order changed.")


class AgendaRemoveView(MeetingButtonView):
    def act(
        self, request: HttpRequest, meeting: Meeting, data: dict[str, Any], **kwargs: Any
    ) -> str:
        services.agenda_remove(
            item=_item_of(meeting, kwargs["item"]),
            by=request.user,
            expected_version=data["version"],
        )
        return _("The case was taken off the agenda.")


class PapersSendView(MeetingButtonView):
    def act(
        self, request: HttpRequest, meeting: Meeting, data: dict[str, Any], **kwargs: Any
    ) -> str:
        services.meeting_send_papers(
            meeting=meeting, by=request.user, expected_version=data["version"]
        )
        return _("The papers were sent: the members can read them now.")


# --- form pages -----------------------------------------------------------------------------


class MeetingFormView(StaffMixin):
    """A form page about one meeting (or one of its items)."""

    template_name = ""
    action = ""

    def refuse_if_closed(self, request: HttpRequest, meeting: Meeting) -> HttpResponse | None:
        if self.action and self.action not in availability.open_actions(request.user, meeting):
            messages.info(request, _("This is not open to you at this meeting now."))
            return redirect("committee-meeting", pk=meeting.pk)
        return None

    def page(
        self, request: HttpRequest, meeting: Meeting, form: Any, status: int = 200, **extra: Any
    ) -> HttpResponse:
        context = {**extra, "meeting": meeting, "committee": meeting.committee, "form": form}
        return render(request, self.template_name, context, status=status)


class AttendanceView(MeetingFormView):
    template_name = "committees/attendance.html"
    action = "record_attendance"

    def _form(self, meeting: Meeting, data: Any = None) -> forms.AttendanceForm:
        seats = selectors.seats_in_office(meeting.committee, meeting.local_date)
        present = selectors.present_seat_ids(meeting)
        return forms.AttendanceForm(
            data,
            seats=seats,
            labels={s.pk: seat_label(s) for s in seats},
            initial={"version": meeting.version, "present": [str(pk) for pk in present]},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        return self.refuse_if_closed(request, meeting) or self.page(
            request, meeting, self._form(meeting), quorum=selectors.quorum_of(meeting)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        form = self._form(meeting, request.POST)
        status = 400
        if form.is_valid():
            try:
                services.meeting_record_attendance(
                    meeting=meeting,
                    by=request.user,
                    present=form.present_ids(),
                    expected_version=form.cleaned_data["version"],
                )
            except DomainError as error:
                _put(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Attendance is recorded: the meeting is held."))
                return redirect("committee-meeting", pk=meeting.pk)
        return self.page(request, meeting, form, status, quorum=selectors.quorum_of(meeting))


class ResultView(MeetingFormView):
    template_name = "committees/result.html"
    action = "record_results"

    def _form(self, item: AgendaItem, data: Any = None) -> forms.ResultForm:
        meeting = item.meeting
        present = selectors.present_seat_ids(meeting)
        recused = {r.seat_id for r in item.recusals.all()}
        seats = selectors.seats_in_office(meeting.committee, meeting.local_date)
        voters = (
            [s for s in seats if s.pk in present and s.pk not in recused]
            if meeting.committee.records_votes
            else []
        )
        recommendation = selectors.latest_recommendation(item.application)
        initial: dict[str, Any] = {"version": meeting.version}
        if item.result:
            initial.update(
                result=item.result,
                term_start=item.term_start,
                term_end=item.term_end,
                conditions="\n".join(item.conditions or []),
                reasons=item.reasons,
                **{f"vote_{v.seat_id}": v.choice for v in item.votes.all()},
            )
        elif recommendation is not None:
            initial["conditions"] = "\n".join(recommendation.proposed_conditions or [])
            if recommendation.proposed_term_days:
                start = meeting.local_date
                initial["term_start"] = start
                initial["term_end"] = start + dt.timedelta(days=recommendation.proposed_term_days)
        return forms.ResultForm(
            data, voters=voters, labels={s.pk: seat_label(s) for s in seats}, initial=initial
        )

    def _extra(self, item: AgendaItem) -> dict[str, Any]:
        return {
            "item": item,
            "recommendation": selectors.latest_recommendation(item.application),
            "recused": [r.seat.display_name for r in item.recusals.select_related("seat__user")],
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item(request, pk)
        return self.refuse_if_closed(request, item.meeting) or self.page(
            request, item.meeting, self._form(item), **self._extra(item)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item(request, pk)
        form = self._form(item, request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.item_record_result(
                    item=item,
                    by=request.user,
                    result=data["result"],
                    term_start=data["term_start"],
                    term_end=data["term_end"],
                    conditions=forms.lines(data["conditions"]),
                    reasons=data["reasons"],
                    votes=form.votes(),
                    expected_version=data["version"],
                )
            except DomainError as error:
                _put(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("The result for %(reference)s is recorded.")
                    % {"reference": item.application.reference},
                )
                return redirect("committee-meeting", pk=item.meeting_id)
        return self.page(request, item.meeting, form, status, **self._extra(item))


class RecusalView(MeetingFormView):
    template_name = "committees/recusal.html"
    action = "declare_recusal"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item(request, pk)
        return self.refuse_if_closed(request, item.meeting) or self.page(
            request, item.meeting, forms.RecusalForm(), item=item
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item(request, pk)
        form = forms.RecusalForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.recusal_declare(
                    item=item, by=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                _put(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Your conflict of interest is recorded: you will not vote on this item."),
                )
                return redirect("committee-meeting", pk=item.meeting_id)
        return self.page(request, item.meeting, form, status, item=item)


class MinutesApproveView(MeetingFormView):
    template_name = "committees/minutes.html"
    action = "approve_minutes"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        form = forms.MinutesForm(initial={"version": meeting.version})
        return self.refuse_if_closed(request, meeting) or self.page(
            request, meeting, form, **self._results(request, meeting)
        )

    def _results(self, request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
        context = meeting_context(request.user, meeting)
        return {key: context[key] for key in ("rows", "present", "absent")}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        form = forms.MinutesForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.minutes_approve(
                    meeting=meeting, by=request.user, expected_version=form.cleaned_data["version"]
                )
            except DomainError as error:
                _put(form, error)
                status = error.status_code
            else:
                messages.success(request, _("The minutes are approved, sealed and stored."))
                return redirect("committee-meeting", pk=meeting.pk)
        meeting = _meeting(request, pk)
        return self.page(request, meeting, form, status, **self._results(request, meeting))


class DecisionsIssueView(MeetingFormView):
    template_name = "committees/issue.html"
    action = "issue_decisions"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        items = (
            selectors.undecided_items(meeting).select_related("application").order_by("position")
        )
        return self.refuse_if_closed(request, meeting) or self.page(
            request, meeting, None, items=items, report=None
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _meeting(request, pk)
        try:
            report = services.meeting_issue_decisions(meeting=meeting, by=request.user)
        except DomainError as error:
            return render_meeting(request, meeting, problem=error.message, status=error.status_code)
        if not report.failed:
            count = len(report.issued)
            messages.success(
                request,
                ngettext(
                    "%(n)s decision was issued; its letter is being prepared.",
                    "%(n)s decisions were issued; their letters are being prepared.",
                    count,
                )
                % {"n": count},
            )
            return redirect("committee-meeting", pk=meeting.pk)
        meeting = _meeting(request, pk)
        return self.page(request, meeting, None, items=[], report=report)


# --- papers -------------------------------------------------------------------------------------


class PaperDownloadView(StaffMixin):
    """A meeting's sealed agenda papers or minutes, for those who may read the meeting (404 for
    everyone else). Members see the agenda papers once they are sent, like everyone."""

    kind = ""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        meeting = _meeting(request, pk)
        paper: Paper | None = (
            meeting.agenda_paper if self.kind == "agenda" else meeting.minutes_paper
        )
        if paper is None:
            raise Http404(_("These papers do not exist yet."))
        try:
            stored = open_private(paper_key(paper))
        except FileNotFoundError as error:
            raise Http404(_("The stored file is missing.")) from error
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=f"{paper.reference}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
