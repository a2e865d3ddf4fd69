from django.urls import path

from catalog import views

urlpatterns = [
    path("webhooks/centra/", views.centra_webhook, name="centra-webhook"),
]
