from django.urls import URLPattern, URLResolver, path

from documents import views

urlpatterns: list[URLPattern | URLResolver] = [
    # --- Uploads
    path(
        "documents/<int:pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    # --- Letters
    path(
        "letters/<str:number>/download/",
        views.LetterDownloadView.as_view(),
        name="letter-download",
    ),
    path(
        "letters/<str:number>/correct/",
        views.LetterCorrectView.as_view(),
        name="letter-correct",
    ),
    path("verify/", views.LetterVerifyStartView.as_view(), name="letter-verify-start"),
    path("verify/<str:number>/", views.LetterVerifyView.as_view(), name="letter-verify"),
]
