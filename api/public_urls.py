"""Public pages of the API app (no sign-in): signed checkpoints and the authority's
certificate, under /audit/."""

from django.urls import path

from api import pages

urlpatterns = [
    path("checkpoints/", pages.CheckpointsPage.as_view(), name="audit-checkpoints"),
    path(
        "checkpoints/<int:seq>.json",
        pages.CheckpointJson.as_view(),
        name="audit-checkpoint-json",
    ),
    path("certificate.pem", pages.CertificateFile.as_view(), name="audit-certificate"),
]
