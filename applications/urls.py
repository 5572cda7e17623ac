"""Applicant portal routes: accounts under /accounts/, the portal under /apply/."""

from django.urls import URLPattern, URLResolver, path

from applications import views

urlpatterns: list[URLPattern | URLResolver] = [
    # accounts
    path("accounts/signup/", views.SignUpView.as_view(), name="signup"),
    path("accounts/signup/sent/", views.SignUpSentView.as_view(), name="signup-sent"),
    path("accounts/verify/<str:token>/", views.VerifyEmailView.as_view(), name="account-verify"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/organisation/", views.OrganizationView.as_view(), name="organization"),
    path(
        "accounts/invitation/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    # the portal
    path("apply/", views.DashboardView.as_view(), name="apply-dashboard"),
    path("apply/new/", views.ApplicationStartView.as_view(), name="application-start"),
    path("apply/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"),
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
    path("apply/<int:pk>/insurance/", views.InsuranceView.as_view(), name="application-insurance"),
    path("apply/<int:pk>/extension/", views.ExtensionView.as_view(), name="application-extension"),
    path(
        "apply/<int:pk>/law-amendment/",
        views.LawAmendmentView.as_view(),
        name="application-law-amendment",
    ),
]
