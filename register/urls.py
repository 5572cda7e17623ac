"""Routes of the public side (no sign-in) and of the trade-secret pages of the applicant's and
the officer's case (mounted in ``sandbox/urls.py`` before the portal and the workspace)."""

from django.urls import URLPattern, URLResolver, path

from register import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("register/<str:reference>/", views.RegisterEntryView.as_view(), name="register-entry"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("open-data/", views.OpenDataView.as_view(), name="open-data"),
    path("statistics/<slug:slug>.csv", views.StatisticsCsvView.as_view(), name="statistics-csv"),
    path(
        "apply/<int:pk>/publication/",
        views.PublicationView.as_view(),
        name="register-publication",
    ),
    path("review/<int:pk>/publication/", views.ClaimsReviewView.as_view(), name="register-claims"),
    path(
        "review/<int:pk>/publication/<int:claim_pk>/",
        views.ClaimsReviewView.as_view(),
        name="register-claim-decide",
    ),
]
