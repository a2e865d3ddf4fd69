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
    # What the provider sent the return page, kept until Centra answered payment-result: when
    # Centra could not be reached, the next hit (a refresh, a plain GET) sends it again.
    return_params = models.JSONField(default=dict, blank=True)
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


class OrderEvent(models.Model):
    """The "order completed" notification of one Centra order, sent to ``ORDER_EVENT_URL``
    (docs/order-events.md).

    One row per order number (unique), so an order is recorded once however often the checkout
    learns it completed. A worker moves the row from ``pending`` to ``sending`` in one
    conditional UPDATE before it POSTs, so two workers never send it at once; a 2xx answer makes
    it ``sent`` for good. A failed attempt puts it back to ``pending`` (with ``last_error``) until
    the retries run out, and then it is ``failed``, which staff can send again from admin.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    order_number = models.CharField(max_length=64, unique=True)
    # The JSON document POSTed, built once when the order is recorded.
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    # Why the last attempt failed, in our words (a status line, a timeout): never the URL, a
    # header or the secret.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the latest attempt claimed the row; tells a claim left by a dead worker apart.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"order {self.order_number} event ({self.status})"
