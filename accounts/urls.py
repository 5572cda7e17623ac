"""Account routes under /accounts/."""

from django.urls import URLPattern, URLResolver, path

from accounts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("signup/sent/", views.SignUpSentView.as_view(), name="signup-sent"),
    path("signup/resend/", views.VerificationResendView.as_view(), name="verification-resend"),
    path("verify/<str:token>/", views.VerifyEmailView.as_view(), name="account-verify"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("privacy/", views.PrivacyConsentView.as_view(), name="privacy-consent"),
    path("privacy/agreements/", views.PrivacyConsentsView.as_view(), name="privacy-consents"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("organisation/", views.OrganizationView.as_view(), name="organization"),
    path(
        "invitation/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
]
