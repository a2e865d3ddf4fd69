"""What the storefront itself records about checkouts: each payment a shopper starts, and what
became of it. The cart itself is Centra's selection and lives there."""

from __future__ import annotations

import uuid

from django.db import models


class PaymentAttempt(models.Model):
    """One ``POST payment`` of a shopper's selection.

    Its id is the unguessable part of the return and failed URLs Centra sends the shopper back
    to, so the return page finds the selection even when the payment provider posts back
    without the shopper's cookies. The return page moves it from ``started`` to ``processing``
    in one conditional UPDATE, so of two concurrent hits (a refresh, two tabs, a double click)
    exactly one calls ``payment-result``; the order it answered is kept here, and every later hit
    shows that same receipt.
    """

    class Status(models.TextChoices):
        STARTED = "started"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The shopper's Centra session token: a secret of theirs, never shown or logged.
    token = models.CharField(max_length=128, db_index=True)
    payment_method = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    # The last payment action Centra answered that a page of ours renders: a "form" (formHtml)
    # or a "javascript" step (code, formFields).
    action = models.JSONField(default=dict, blank=True)
    # Centra's order as payment-result (or a direct success) answered it: the receipt shows it.
    order = models.JSONField(default=dict, blank=True)
    # What the shopper is told on the failed page (Centra's messages, or ours).
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"payment {self.id} ({self.status})"
