"""Django admin for what the storefront records about checkouts: order events (with "Send
again" for failed ones) and payment attempts. Both are written by the checkout and its tasks, so
staff can look but not add, change or delete; a payment attempt's shopper token is never shown.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from cart import order_events
from cart.models import OrderEvent, PaymentAttempt
from catalog.admin import ReadOnlyAdmin

SEND_AGAIN_PERMISSION = "cart.change_orderevent"


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ("order_number", "status", "attempts", "created_at", "sent_at", "last_error")
    list_filter = ("status",)
    search_fields = ("=order_number",)
    date_hierarchy = "created_at"
    actions = ("send_again",)
    fields = (
        "order_number",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
        "payload_pretty",
    )
    readonly_fields = fields

    @admin.display(description="payload")
    def payload_pretty(self, event: OrderEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SEND_AGAIN_PERMISSION)

    @admin.action(description="Send again", permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OrderEvent]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        count = order_events.send_again(selected)
        self.message_user(
            request,
            f"{count} of {len(selected)} selected event(s) queued to be sent again: only failed "
            "events are (a sent event is never sent twice, a pending one is on its way).",
            messages.SUCCESS if count == len(selected) else messages.WARNING,
        )


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    # No `token` anywhere: it is the shopper's Centra session, a secret of theirs.
    list_display = ("id", "status", "payment_method", "order_number", "created_at")
    list_filter = ("status", "payment_method")
    search_fields = ("=order_number",)
    date_hierarchy = "created_at"
    fields = (
        "id",
        "status",
        "payment_method",
        "order_number",
        "error",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
