from django.urls import path

from catalog.webhook_endpoint import centra_webhook

urlpatterns = [
    path("webhooks/centra/", centra_webhook, name="centra-webhook"),
]
