"""The staff inbox, mounted at /review/inbox/."""

from django.urls import URLPattern, path

from notifications import views

urlpatterns: list[URLPattern] = [
    path("", views.InboxView.as_view(), name="review-inbox"),
    path("<int:pk>/", views.NotificationView.as_view(), name="review-notification"),
]
