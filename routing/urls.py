"""Preview endpoints, included under ``preview/`` by the project's URLconf. The catch-all itself
is routed there directly, last of all."""

from django.urls import path

from routing import views

urlpatterns = [
    path("", views.preview_link, name="preview-link"),
    path("open", views.preview_open, name="preview-open"),
    path("exit", views.preview_exit, name="preview-exit"),
]
