"""The staff inbox under /review/inbox/: notifications, mark read, open, the digest setting."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import StaffMixin
from core.errors import NotVisible
from core.keyset import BadCursor
from notifications import selectors, services
from notifications.forms import InboxSettingForm


class InboxView(StaffMixin):
    template_name = "notifications/inbox.html"

    def _render(
        self, request: HttpRequest, form: InboxSettingForm, status: int = 200
    ) -> HttpResponse:
        only_unread = request.GET.get("show") == "unread"
        cursor = request.GET.get("cursor", "")
        try:
            page = selectors.inbox_page(request.user, only_unread=only_unread, cursor=cursor)
        except BadCursor:
            messages.error(request, _("This page link is not valid; here is the first page."))
            page = selectors.inbox_page(request.user, only_unread=only_unread)
        context = {
            "page": page,
            "rows": selectors.rows(page.rows),
            "only_unread": only_unread,
            "form": form,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = InboxSettingForm(initial={"daily_digest": selectors.daily_digest(request.user)})
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if "mark_all" in request.POST:
            count = services.notifications_mark_all_read(by=request.user)
            messages.success(
                request, _("%(count)s notifications marked as read.") % {"count": count}
            )
            return redirect("review-inbox")
        form = InboxSettingForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        services.inbox_setting_update(
            by=request.user, daily_digest=form.cleaned_data["daily_digest"]
        )
        messages.success(request, _("Your email setting is saved."))
        return redirect("review-inbox")


class NotificationView(StaffMixin):
    """POST: mark one notification read; with ``open``, go on to its case."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            notification = services.notification_mark_read(by=request.user, notification_id=pk)
        except NotVisible as error:
            raise Http404(error.message) from error
        if "open" in request.POST:
            return redirect("review-case", notification.application_id)
        return redirect("review-inbox")
