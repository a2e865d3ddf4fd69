"""The cart's admin: order events (read-only, "Send again" for failed ones) and payment
attempts, whose shopper token never shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cart.models import OrderEvent, PaymentAttempt
from tests.cart.helpers import ORDER_EVENT_SECRET, Receiver, a_failed_and_a_sent_event

pytestmark = pytest.mark.django_db

EVENTS = reverse("admin:cart_orderevent_changelist")
ATTEMPTS = reverse("admin:cart_paymentattempt_changelist")
SHOPPER_TOKEN = "shopper-centra-token-0d93ab71"
Status = OrderEvent.Status


def signed_in(django_user_model: Any, *codenames: str) -> Client:
    """A client signed in as staff holding just these permissions."""
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(clerk)
    return client


def test_order_events_are_listed_with_status_attempts_and_error_and_cannot_be_edited(
    django_user_model: Any,
) -> None:
    failed, _ = a_failed_and_a_sent_event()
    client = signed_in(django_user_model, "view_orderevent")

    listing = client.get(EVENTS)
    page = client.get(reverse("admin:cart_orderevent_change", args=[failed.pk]))

    assert listing.status_code == 200
    rows = listing.context["cl"].result_list
    assert [(e.order_number, e.status, e.attempts) for e in rows] == [
        ("1002", "sent", 1),
        ("1001", "failed", 6),
    ]
    assert "HTTP 503 Service Unavailable" in listing.text
    assert page.status_code == 200
    assert "&quot;orderNumber&quot;: &quot;1001&quot;" in page.text
    assert 'name="_save"' not in page.text
    assert ORDER_EVENT_SECRET not in listing.text + page.text
    assert client.get(reverse("admin:cart_orderevent_add")).status_code == 403


def test_send_again_sends_the_failed_events_and_skips_the_others(
    django_user_model: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    failed, sent = a_failed_and_a_sent_event()
    client = signed_in(django_user_model, "view_orderevent", "change_orderevent")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            EVENTS,
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "1 of 2 selected event(s) queued to be sent again: only failed events are (a sent "
        "event is never sent twice, a pending one is on its way)."
    ]
    assert [r.headers["Idempotency-Key"] for r in receiver.requests] == ["1001"]
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.SENT, 7, "")
    assert (sent.status, sent.attempts) == (Status.SENT, 1)


def test_send_again_needs_the_change_permission(
    django_user_model: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    failed, _ = a_failed_and_a_sent_event()
    client = signed_in(django_user_model, "view_orderevent")

    assert "send_again" not in client.get(EVENTS).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(EVENTS, {"action": "send_again", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.FAILED, 6)
    assert receiver.requests == []


def test_payment_attempts_are_listed_but_their_shopper_token_never_shows(
    django_user_model: Any,
) -> None:
    attempt = PaymentAttempt.objects.create(
        token=SHOPPER_TOKEN,
        payment_method="sandbox-redirect",
        status=PaymentAttempt.Status.COMPLETED,
        order_number="1001",
    )
    client = signed_in(django_user_model, "view_paymentattempt")

    listing = client.get(ATTEMPTS)
    page = client.get(reverse("admin:cart_paymentattempt_change", args=[attempt.pk]))
    searched = client.get(ATTEMPTS, {"q": SHOPPER_TOKEN})

    assert listing.status_code == page.status_code == 200
    assert [(a.pk, a.order_number) for a in listing.context["cl"].result_list] == [
        (attempt.pk, "1001")
    ]
    assert "sandbox-redirect" in listing.text
    assert str(attempt.pk) in page.text
    assert SHOPPER_TOKEN not in listing.text + page.text
    # Nor is it a way in: searching by it finds nothing.
    assert list(searched.context["cl"].result_list) == []
    assert client.get(reverse("admin:cart_paymentattempt_add")).status_code == 403
