from django.urls import URLPattern, URLResolver, path

from documents import views

urlpatterns: list[URLPattern | URLResolver] = [
    # --- Uploads
    path(
        "documents/<int:pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="document-download",
    ),
]
