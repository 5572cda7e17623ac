"""URLs for the error-page tests: one view that loses its database, one that has a bug."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def bug(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("a bug with a secret in it: s3cr3t")


urlpatterns = [path("gone/", database_gone), path("bug/", bug), path("", include("sandbox.urls"))]
handler500 = "sandbox.views.server_error"
