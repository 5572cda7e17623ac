"""Applicant portal routes under /apply/."""

from django.urls import URLPattern, URLResolver, path

from portal import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("apply/", views.DashboardView.as_view(), name="apply-dashboard"),
    path("apply/new/", views.ApplicationStartView.as_view(), name="application-start"),
    path("apply/profile/", views.CompanyProfileView.as_view(), name="company-profile"),
    path(
        "apply/templates/<slug:kind>/<slug:language>/",
        views.ApplicationTemplateView.as_view(),
        name="application-template",
    ),
    path("apply/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"),
    path(
        "apply/<int:pk>/receipt.pdf",
        views.ApplicationReceiptView.as_view(),
        name="application-receipt",
    ),
    path(
        "apply/<int:pk>/step/<slug:step>/",
        views.ApplicationStepView.as_view(),
        name="application-step",
    ),
    path(
        "apply/<int:pk>/regulations/<int:regulation_pk>/remove/",
        views.RegulationRemoveView.as_view(),
        name="regulation-remove",
    ),
    path(
        "apply/<int:pk>/documents/<int:document_pk>/remove/",
        views.DocumentRemoveView.as_view(),
        name="document-remove",
    ),
    path(
        "apply/<int:pk>/submitted/",
        views.ApplicationSubmittedView.as_view(),
        name="application-submitted",
    ),
    path("apply/<int:pk>/follow-up/", views.FollowUpView.as_view(), name="application-follow-up"),
    path("apply/<int:pk>/check/", views.ApplicationCheckView.as_view(), name="application-check"),
    path(
        "apply/<int:pk>/supplement/",
        views.SupplementAnswerView.as_view(),
        name="application-answer-supplement",
    ),
    path("apply/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="application-withdraw"),
    path(
        "apply/<int:pk>/reconsideration/",
        views.ReconsiderationView.as_view(),
        name="application-reconsideration",
    ),
    # apply/<int:pk>/insurance/ ("application-insurance") is supervision's page.
    path("apply/<int:pk>/extension/", views.ExtensionView.as_view(), name="application-extension"),
    path(
        "apply/<int:pk>/law-amendment/",
        views.LawAmendmentView.as_view(),
        name="application-law-amendment",
    ),
]
