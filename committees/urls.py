"""Committee pages under /review/committees/ (with the second factor, like all of /review/)."""

from django.urls import URLPattern, URLResolver, path

from committees import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.MeetingListView.as_view(), name="committee-meetings"),
    path("<int:committee>/plan/", views.MeetingPlanView.as_view(), name="committee-meeting-plan"),
    path("meetings/<int:pk>/", views.MeetingView.as_view(), name="committee-meeting"),
    path(
        "meetings/<int:pk>/agenda/add/",
        views.AgendaAddView.as_view(),
        name="committee-agenda-add",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item>/move/",
        views.AgendaMoveView.as_view(),
        name="committee-agenda-move",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item>/remove/",
        views.AgendaRemoveView.as_view(),
        name="committee-agenda-remove",
    ),
    path(
        "meetings/<int:pk>/papers/send/",
        views.PapersSendView.as_view(),
        name="committee-papers-send",
    ),
    path(
        "meetings/<int:pk>/attendance/",
        views.AttendanceView.as_view(),
        name="committee-attendance",
    ),
    path(
        "meetings/<int:pk>/minutes/approve/",
        views.MinutesApproveView.as_view(),
        name="committee-minutes-approve",
    ),
    path(
        "meetings/<int:pk>/decisions/",
        views.DecisionsIssueView.as_view(),
        name="committee-decisions-issue",
    ),
    path(
        "meetings/<int:pk>/agenda.pdf",
        views.PaperDownloadView.as_view(kind="agenda"),
        name="committee-agenda-pdf",
    ),
    path(
        "meetings/<int:pk>/minutes.pdf",
        views.PaperDownloadView.as_view(kind="minutes"),
        name="committee-minutes-pdf",
    ),
    path("items/<int:pk>/result/", views.ResultView.as_view(), name="committee-item-result"),
    path("items/<int:pk>/recusal/", views.RecusalView.as_view(), name="committee-item-recusal"),
]
