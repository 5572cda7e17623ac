"""Supervision's pages: the company's under /apply/<id>/…, the ministry's under /review/<id>/…"""

from django.urls import URLPattern, URLResolver, path

from supervision import views

urlpatterns: list[URLPattern | URLResolver] = [
    # --- the company
    path(
        "apply/<int:pk>/reports/<int:report_pk>/",
        views.ReportFileView.as_view(),
        name="supervision-report",
    ),
    path(
        "apply/<int:pk>/incidents/new/",
        views.IncidentReportView.as_view(),
        name="supervision-incident-new",
    ),
    path(
        "apply/<int:pk>/incidents/<int:incident_pk>/",
        views.IncidentView.as_view(),
        name="supervision-incident",
    ),
    path("apply/<int:pk>/insurance/", views.InsuranceView.as_view(), name="application-insurance"),
    path(
        "apply/<int:pk>/user-notice/",
        views.UserNoticeView.as_view(),
        name="supervision-user-notice",
    ),
    # --- the lead ministry
    path(
        "review/<int:pk>/reports/<int:report_pk>/",
        views.ReportReviewView.as_view(),
        name="supervision-report-review",
    ),
    path(
        "review/<int:pk>/incidents/<int:incident_pk>/",
        views.IncidentReviewView.as_view(),
        name="supervision-incident-review",
    ),
    path(
        "review/<int:pk>/insurance/<int:proof_pk>/",
        views.PolicyReviewView.as_view(),
        name="supervision-policy-review",
    ),
    path(
        "review/<int:pk>/user-notices/<int:notice_pk>/",
        views.NoticeReviewView.as_view(),
        name="supervision-notice-review",
    ),
    path(
        "review/<int:pk>/conditions/<int:condition_pk>/",
        views.ConditionView.as_view(),
        name="supervision-condition",
    ),
]
