"""The site's URLs and one page more, for the queue benchmark's floor (``bench_queue``): a
staff page behind the same sign-in, second factor, middleware and header as the review queue,
with nothing in it. What that page costs is what any workspace page costs before its content."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from accounts.access import StaffMixin
from sandbox.urls import handler500
from sandbox.urls import urlpatterns as site_urlpatterns

EMPTY_PAGE_URL = "/bench/empty-staff-page/"
_PAGE = engines["django"].from_string(
    '{% extends "base_review.html" %}{% block content %}<h1>Floor</h1>{% endblock %}'
)


class EmptyStaffPage(StaffMixin):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(_PAGE.render({}, request))


__all__ = ["EMPTY_PAGE_URL", "handler500", "urlpatterns"]

urlpatterns = [path(EMPTY_PAGE_URL.strip("/") + "/", EmptyStaffPage.as_view()), *site_urlpatterns]
