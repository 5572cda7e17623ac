"""Staff workspace under /review/: two-factor sign-in, the queue, the deadlines calendar, the
case page and one form page per action. Views parse, check, call one service or selector and
respond; domain errors go back onto the form (stale forms keep the person's input)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import StaffMixin, staff_case
from applications import availability, sections
from applications import permissions as perms
from applications import services as app_services
from applications.availability import CaseFacts
from applications.models import Application
from applications.roles import Role, has_role
from applications.selectors import history_page, history_seq
from applications.workflow import IN_REVIEW, TERM_RUNNING
from core.errors import DomainError, InvalidInput, NotPermitted, NotVisible, StaleVersion
from core.forms import plain_int
from core.keyset import BadCursor
from core.people import person_name
from core.prepared import read_together
from core.spreadsheets import safe_row
from documents.selectors import documents_of, letters_of
from notifications.context_processors import header_read
from reviews import actions, dashboard, forms, selectors, services
from reviews.timeline import staff_timeline

STALE_MESSAGE = gettext_lazy(
    "This case changed since you opened it (someone else acted on it). Your input is kept "
    "below: check the case again, then send the form again if it still applies."
)
PAGE_SIZE = selectors.PAGE_SIZE
HIGHLIGHT_DAYS = 7


# --- the queue -----------------------------------------------------------------------------------


def _days_left(app: Application, tab: str, now: Any) -> int | None:
    """The days the row's deadline column shows (``selectors.deadline_column``): to the end of
    the term on *Active waivers* and for a waiver in force, to the ministry's opinion's due date
    on *Consultations to answer*, else on the statutory clock."""
    opinion_due = getattr(app, selectors.OPINION_DUE, None)
    if tab == "consultations" and opinion_due is not None:
        return (opinion_due - now).days
    if tab == "active" or app.status in TERM_RUNNING:
        if app.term_end is None:
            return None
        return (app.term_end - app.program.local_date(now)).days
    return app.days_remaining(now)


def _days_heading(tab: str) -> str:
    """The heading of the days column (``_days_left``), on the page and in the CSV."""
    if tab == "active":
        return _("Days to term end")
    if tab == "consultations":
        return _("Days left to give the opinion")
    return _("Days left")


def _urgency(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return "overdue"
    if days <= HIGHLIGHT_DAYS:
        return "soon"
    return ""


class QueueView(StaffMixin):
    template_name = "reviews/queue.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        tab = request.GET.get("tab") or selectors.default_tab(user)
        if tab not in selectors.TAB_SLUGS:
            tab = "all"
        now = timezone.now()
        # The page's reads in two round trips (``read_together``): those that need nothing
        # else, then those that need the programmes' dates and lead ministries.
        (officers, workload), programmes, saved_filters, _header = read_together(
            selectors.officers_with_workload_read(user=user, now=now, cap=selectors.WORKLOAD_CAP),
            selectors.programmes_read(),
            selectors.saved_filters_read(user=user),
            header_read(request),
        )
        today = selectors.programme_days(programmes.zones, now)
        offered = (
            programmes.choices,
            programmes.tracks,
            [(str(o.pk), person_name(o)) for o in officers],
        )

        def filter_form() -> forms.QueueFilterForm:
            return forms.QueueFilterForm(
                request.GET or None, programs=offered[0], tracks=offered[1], officers=offered[2]
            )

        if forms.QueueFilterForm.asks_nothing(request.GET):
            # Nothing to filter by: every field would clean to empty. The form is built only
            # if the page writes its fields, not kept yet under ``filter_key``: a quarter of a
            # millisecond of every page otherwise (docs/performance.md).
            form: Any = SimpleLazyObject(filter_form)
            data: dict[str, Any] = {}
            filter_key = forms.QueueFilterForm.rendering_key_of(request.GET or None, offered)
        else:
            form = filter_form()
            data = form.cleaned_data if form.is_valid() else {}
            filter_key = form.rendering_key()
        filters = selectors.QueueFilters(
            status=data.get("status") or "",
            track=data.get("track") or None,
            program=data.get("program") or None,
            assignee=data.get("assignee") or "",
            overdue=bool(data.get("overdue")),
            q=data.get("q") or "",
            sort=data.get("sort") or "deadline",
        )
        if request.GET.get("format") == "csv":
            queue = selectors.review_queue_for(
                user=user, tab=tab, filters=filters, now=now, today=today
            )
            return queue_csv(queue, tab=tab, now=now)
        # The rows' and the counts' SQL are kept (queue_page_read, tab_counts_read): nothing
        # built.
        counts_read = selectors.tab_counts_read(user=user, today=today, leads=programmes.leads)
        try:
            page, counts = read_together(
                selectors.queue_page_read(
                    user=user,
                    tab=tab,
                    filters=filters,
                    today=today,
                    now=now,
                    cursor=request.GET.get("cursor", ""),
                ),
                counts_read,
            )
        except BadCursor:
            messages.error(request, _("This page link is not valid; here is the first page."))
            page, counts = read_together(
                selectors.queue_page_read(
                    user=user, tab=tab, filters=filters, today=today, now=now
                ),
                counts_read,
            )
        rows = []
        for app in page.rows:
            days = _days_left(app, tab, now)
            rows.append({"app": app, "days": days, "urgency": _urgency(days), "late": -(days or 0)})
        params = request.GET.copy()
        params.pop("cursor", None)
        params.pop("page", None)
        narrowed = any(
            (filters.status, filters.track, filters.program, filters.assignee, filters.overdue)
        ) or bool(filters.q.strip())
        shown = (
            selectors.filtered_count(
                selectors.review_queue_for(
                    user=user, tab=tab, filters=filters, now=now, today=today
                )
            )
            if narrowed
            else counts.get(tab, 0)
        )
        context = {
            "tab": tab,
            "days_heading": _days_heading(tab),
            "tabs": [
                {"slug": t.slug, "label": t.label, "count": counts.get(t.slug, 0)}
                for t in selectors.TABS
            ],
            "form": form,
            "filter_key": filter_key,
            "page": page,
            "count": shown,  # past COUNT_CAP: "100+" (the count stopped there)
            "rows": rows,
            "query": params.urlencode(),
            "workload": workload,
            "workload_cap": selectors.WORKLOAD_CAP,
            "saved_filters": saved_filters,
            "current_query": services.clean_query(request.GET.urlencode()),
            "may_bulk_assign": has_role(user, Role.CASE_OFFICER) and bool(officers),
            "officers": officers,
            "highlight_days": HIGHLIGHT_DAYS,
        }
        return render(request, self.template_name, context)


def queue_csv(queue: Any, *, tab: str, now: Any) -> HttpResponse:
    """The whole queue view (every page, same tab, filters and order) as CSV, in the reader's
    language, with cells no spreadsheet runs as formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = timezone.localdate(now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="queue-{tab}-{day}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Korean as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Reference"),
            _("Title"),
            _("Organisation"),
            _("Programme"),
            _("Track"),
            _("Status"),
            _days_heading(tab),
            _("Assignee"),
            _("Submitted"),
        ]
    )
    for app in queue.iterator(chunk_size=500):
        officer = app.assigned_officer
        submitted = app.program.local_date(app.submitted_at) if app.submitted_at else None
        writer.writerow(
            safe_row(
                [
                    app.reference,
                    app.title,
                    app.organization.name,
                    app.program.display_name,
                    app.track.display_name,
                    app.get_status_display(),
                    _days_left(app, tab, now),
                    person_name(officer),
                    submitted.isoformat() if submitted else "",
                ]
            )
        )
    return response


class SavedFilterView(StaffMixin):
    """POST: save the queue view now shown under a name, or delete a saved one."""

    def post(self, request: HttpRequest) -> HttpResponse:
        query = services.clean_query(request.POST.get("query", ""))
        delete = plain_int(request.POST.get("delete", ""))
        try:
            if delete is not None:
                services.saved_filter_delete(by=request.user, pk=delete)
                messages.success(request, _("The saved filter is deleted."))
            else:
                saved = services.saved_filter_save(
                    by=request.user, name=request.POST.get("name", ""), query=query
                )
                messages.success(request, _("Filter saved as “%(name)s”.") % {"name": saved.name})
        except NotVisible as error:
            raise Http404(error.message) from error
        except InvalidInput as error:
            for problems in error.errors.values():
                for problem in problems:
                    messages.error(request, problem)
        return redirect(f"{reverse('review-queue')}?{query}")


class BulkAssignView(StaffMixin):
    """POST: the cases ticked in the queue, each assigned to the officer chosen (each on its
    own; the message says which were and why the others were not)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        query = services.clean_query(request.POST.get("query", ""))
        back = redirect(f"{reverse('review-queue')}?{query}")
        officers = {o.pk: o for o in selectors.officers_of_ministry(user=request.user)}
        officer = officers.get(plain_int(request.POST.get("officer", "")) or 0)
        ids = [pk for pk in map(plain_int, request.POST.getlist("cases")) if pk is not None]
        if officer is None or not ids:
            messages.error(request, _("Tick the cases and choose the officer to assign them to."))
            return back
        cases = list(
            Application.objects.filter(selectors.scope_q(request.user), pk__in=ids[: PAGE_SIZE * 4])
            .select_related("program")
            .order_by("reference")
        )
        assigned, refused = app_services.applications_assign_many(
            applications=cases, by=request.user, officer=officer
        )
        name = person_name(officer)
        if assigned:
            messages.success(
                request,
                _("Assigned to %(name)s: %(references)s.")
                % {"name": name, "references": ", ".join(a.reference or "" for a in assigned)},
            )
        for reference, reason in refused.items():
            messages.error(
                request,
                _("%(reference)s not assigned: %(reason)s")
                % {"reference": reference, "reason": reason},
            )
        return back


class DashboardView(StaffMixin):
    """Per ministry (the user's scope) and programme: open cases, the clock, stage times
    against the statutory deadline, workload per officer; charts with their data tables."""

    template_name = "reviews/dashboard.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        board = dashboard.dashboard_for(
            user=request.user, program_id=plain_int(request.GET.get("program", ""))
        )
        status_chart = dashboard.bar_chart(
            [(bar.label, bar.value, str(bar.value), "bar") for bar in board.by_status]
        )
        rows: list[tuple[str, float, str, str]] = []
        for stage in board.stages:
            if stage.median is None or stage.p90 is None:
                continue
            label = str(stage.stage.label)
            median = _("%(n)s days (median)") % {"n": f"{stage.median:g}"}
            p90 = _("%(n)s days (90th percentile)") % {"n": f"{stage.p90:g}"}
            rows.append((label, stage.median, median, "bar"))
            rows.append(("", stage.p90, p90, "bar bar-p90"))  # under its median's label
        total = next((s for s in board.stages if s.stage.slug == "total"), None)
        marker = plain_int(total.statutory) if total is not None else None
        context = {
            "board": board,
            "status_chart": status_chart,
            "stage_chart": dashboard.bar_chart(rows, marker=marker),
            "statutory": marker,
        }
        return render(request, self.template_name, context)


class DeadlinesView(StaffMixin):
    template_name = "reviews/deadlines.html"
    choices = (7, 14, 30, 60, 90)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            days = int(request.GET.get("days", "30"))
        except ValueError:
            days = 30
        if days not in self.choices:
            days = 30
        context = {
            "days": days,
            "choices": self.choices,
            "calendar": selectors.deadlines_for(user=request.user, days=days),
            "today": timezone.localdate(),
        }
        return render(request, self.template_name, context)


# --- the case page and its actions ------------------------------------------------------------------


class CaseView(StaffMixin):
    template_name = "reviews/case.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = staff_case(request, pk)
        state = availability.case_facts(request.user, app)
        available = actions.available_actions(request.user, app, state)
        days = _days_left(app, "", timezone.now())
        history = history_page(
            application=app,
            before=history_seq(request.GET.get("before", "")),
            after=history_seq(request.GET.get("after", "")),
        )
        context = {
            "application": app,
            "conflicted": perms.declared_conflict(request.user, app),
            "sections": sections.answers(app),
            # the company profile as submitted, and the co-applicants (issue 16a)
            "profile_rows": sections.profile_rows(app.company_profile),
            "co_applicants": list(app.co_applicants.all()),
            "regulations": app.regulations.select_related("competent_ministry"),
            "documents": documents_of(application=app),
            "timeline": staff_timeline(history.events),
            "history": history,
            "consultations": app.consultations.select_related("ministry", "answered_by"),
            "recommendation": state.recommendation,
            "decisions": app.decisions.select_related("decided_by"),
            "supplements": app.supplement_requests.all(),
            "extension_requests": app.extension_requests.all(),
            "law_amendment_requests": app.law_amendment_requests.all(),
            "letters": letters_of(application=app),
            "may_correct_letters": perms.can_decide_application(request.user, app),
            "actions": [a for a in available if not a.secondary],
            "secondary_actions": [a for a in available if a.secondary],
            "days_left": days,
            "in_review": app.status in IN_REVIEW,
            "late": -(days or 0),
            "urgency": _urgency(days),
        }
        return render(request, self.template_name, context)


class CaseActionView(StaffMixin):
    """One action's form page. The form carries the case version it was opened at: if the case
    changed meanwhile, the answer is 409 with the person's input kept."""

    template_name = "reviews/action.html"

    def _action(self, slug: str) -> actions.ReviewAction:
        action = actions.BY_SLUG.get(slug)
        if action is None:
            raise Http404(_("No such action."))
        return action

    def _render(
        self,
        request: HttpRequest,
        app: Application,
        action: actions.ReviewAction,
        state: CaseFacts,
        form: Any,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "application": app,
            "action": action,
            "state": state,
            "form": form,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int, slug: str) -> HttpResponse:
        app = staff_case(request, pk)
        action = self._action(slug)
        state = availability.case_facts(request.user, app)
        if action not in actions.available_actions(request.user, app, state):
            messages.info(request, _("This action is not open to you on this case now."))
            return redirect("review-case", pk=app.pk)
        version = request.GET.get("v", "")
        initial = {
            **actions.initial_values(action, app, state),
            "version": plain_int(version) or app.version,
        }
        form = action.form_class(initial=initial, **actions.form_kwargs(action, request.user, app))
        return self._render(request, app, action, state, form)

    def post(self, request: HttpRequest, pk: int, slug: str) -> HttpResponse:
        app = staff_case(request, pk)
        action = self._action(slug)
        state = availability.case_facts(request.user, app)
        extra = actions.form_kwargs(action, request.user, app)
        form = action.form_class(request.POST, **extra)
        posted_version = request.POST.get("version", "")
        if action not in actions.available_actions(request.user, app, state):
            if plain_int(posted_version) not in (None, app.version):
                return self._stale(request, app, action, state, form, extra)
            return render(
                request,
                "reviews/not_allowed.html",
                {"application": app, "action": action},
                status=403,
            )
        if not form.is_valid():
            return self._render(request, app, action, state, form, status=400)
        try:
            action.run(request.user, app, form.cleaned_data, state)
        except StaleVersion:
            return self._stale(request, app, action, state, form, extra)
        except InvalidInput as error:
            form.put_errors(error.errors)
            return self._render(request, app, action, state, form, status=400)
        except NotPermitted as error:
            form.add_error(None, error.message)
            return self._render(request, app, action, state, form, status=403)
        except DomainError as error:  # wrong state: someone else moved the case on
            form.add_error(None, error.message)
            return self._render(request, app, action, state, form, status=error.status_code)
        messages.success(request, str(action.done))
        return redirect("review-case", pk=app.pk)

    def _stale(
        self,
        request: HttpRequest,
        app: Application,
        action: actions.ReviewAction,
        state: CaseFacts,
        form: Any,
        extra: dict[str, Any],
    ) -> HttpResponse:
        # A fresh read, not refresh_from_db(): django-fsm's refresh unprotects the status field
        # process-wide for a moment, which races with other threads of the server.
        app = staff_case(request, app.pk)
        data = form.data.copy()
        data["version"] = str(app.version)
        rebound = action.form_class(data, **extra)
        rebound.is_valid()
        rebound.add_error(None, str(STALE_MESSAGE))
        return self._render(request, app, action, state, rebound, status=409)
