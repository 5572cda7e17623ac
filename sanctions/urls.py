"""The due-process pages: the company's under /apply/<id>/sanctions/…, the ministry's under
/review/<id>/sanctions/…"""

from django.urls import URLPattern, URLResolver, path

from sanctions import views

urlpatterns: list[URLPattern | URLResolver] = [
    # --- the company
    path(
        "apply/<int:pk>/sanctions/notices/<int:number>/",
        views.OpinionView.as_view(),
        name="sanctions-opinion",
    ),
    path(
        "apply/<int:pk>/sanctions/resumption/",
        views.ResumptionRequestView.as_view(),
        name="sanctions-resumption-request",
    ),
    # --- the lead ministry's decision makers
    path(
        "review/<int:pk>/sanctions/notice/",
        views.NoticeSendView.as_view(),
        name="sanctions-notice-new",
    ),
    path(
        "review/<int:pk>/sanctions/urgent/",
        views.UrgentSuspendView.as_view(),
        name="sanctions-urgent",
    ),
    path(
        "review/<int:pk>/sanctions/notices/<int:number>/",
        views.NoticeView.as_view(),
        name="sanctions-notice",
    ),
    path(
        "review/<int:pk>/sanctions/notices/<int:number>/hearing/",
        views.HearingScheduleView.as_view(),
        name="sanctions-hearing-new",
    ),
    path(
        "review/<int:pk>/sanctions/notices/<int:number>/hearings/<int:hearing_pk>/",
        views.HearingRecordView.as_view(),
        name="sanctions-hearing",
    ),
    path(
        "review/<int:pk>/sanctions/notices/<int:number>/close/",
        views.NoticeCloseView.as_view(),
        name="sanctions-notice-close",
    ),
    path(
        "review/<int:pk>/sanctions/suspension/",
        views.SuspensionDecideView.as_view(),
        name="sanctions-suspension",
    ),
    path(
        "review/<int:pk>/sanctions/convert/", views.ConvertView.as_view(), name="sanctions-convert"
    ),
]
