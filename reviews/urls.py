"""Staff workspace routes under /review/."""

from django.urls import URLPattern, URLResolver, path

from accounts import views as account_views
from reviews import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.QueueView.as_view(), name="review-queue"),
    path("deadlines/", views.DeadlinesView.as_view(), name="review-deadlines"),
    path("dashboard/", views.DashboardView.as_view(), name="review-dashboard"),
    path("saved-filters/", views.SavedFilterView.as_view(), name="review-saved-filters"),
    path("bulk-assign/", views.BulkAssignView.as_view(), name="review-bulk-assign"),
    path("2fa/setup/", account_views.TwoFactorSetupView.as_view(), name="review-2fa-setup"),
    path("2fa/verify/", account_views.TwoFactorVerifyView.as_view(), name="review-2fa-verify"),
    path("<int:pk>/", views.CaseView.as_view(), name="review-case"),
    path("<int:pk>/<slug:slug>/", views.CaseActionView.as_view(), name="review-action"),
]
