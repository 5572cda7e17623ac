"""URL map: each area's routes live in its own app; the API is wired in ``sandbox/api.py``."""

from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from sandbox import views

# The admin configures programmes, users and letter wording: it asks for the second factor too
# (its login form takes the TOTP code; an unverified session is sent back to that form).
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # The public side, and the trade-secret pages of /apply/<pk>/ and /review/<pk>/ (before the
    # portal and the workspace, whose own routes would otherwise take those addresses).
    path("", include("register.urls")),
    path("", include("supervision.urls")),
    path("", include("sanctions.urls")),
    path("", include("portal.urls")),
    path("review/committees/", include("committees.urls")),
    path("review/inbox/", include("notifications.urls")),
    path("review/", include("reviews.urls")),
    path("", include("documents.urls")),
    path("api/public/", include("register.api_urls")),
    path("api/", include("sandbox.api")),
    path("audit/", include("api.public_urls")),
]

handler500 = "sandbox.views.server_error"
