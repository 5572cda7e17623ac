"""A second URL configuration for ``test_per_language``: the same views one level down."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("sandbox.urls"))]
