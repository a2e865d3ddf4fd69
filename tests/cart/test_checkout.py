"""The checkout through every kind of payment action to a receipt, with the test's own sandbox
as Centra (its hosted payment page is served under /sandbox/ by the storefront itself)."""

from __future__ import annotations

import html
import json
import re
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cart.models import OrderEvent, PaymentAttempt
from centra_sandbox import Sandbox
from tests.cart.helpers import (
    ORDER_EVENT_SECRET,
    add,
    buyable_items,
    centra_state,
    messages_of,
)
from tests.shopper_state import choices

pytestmark = pytest.mark.django_db

ADDRESS = {
    "address.email": "ada@example.com",
    "address.firstName": "Ada",
    "address.lastName": "Lovelace",
    "address.address1": "Storgatan 1",
    "address.zipCode": "111 22",
    "address.city": "Stockholm",
    "address.country": "SE",
    "address.phoneNumber": "+46 8 123 456",
}
PAYMENT = "POST payment"
RESULT = "POST payment-result"


def checkout_data(method: str = "sandbox-redirect", **extra: Any) -> dict[str, Any]:
    return {
        **ADDRESS,
        "shippingMethod": "standard",
        "paymentMethod": method,
        "termsAndConditions": "on",
        "action": "pay",
        **extra,
    }


def orders(sandbox: Sandbox) -> int:
    return sandbox.store.db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


def with_a_cart(client: Client, count: int = 1) -> list:
    items = buyable_items(count)
    for item in items:
        add(client, item)
    return items


def pay(client: Client, method: str = "sandbox-redirect", **extra: Any):
    return client.post("/checkout/", checkout_data(method, **extra))


def local(url: str) -> str:
    """A URL the storefront gave out (absolute), as the test client requests it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def approve_on_the_hosted_page(client: Client, redirect_url: str):
    """The sandbox's hosted payment page: press "Approve" (its form posts to the sandbox,
    which redirects to our return page)."""
    page = client.get(local(redirect_url))
    assert page.status_code == 200
    action = re.search(r'action="([^"]+/approve)"', page.content.decode())[1]
    return client.post(action, {"decision": "approve"})


def decline_on_the_hosted_page(client: Client, redirect_url: str):
    page = client.get(local(redirect_url)).content.decode()
    action = re.search(r'action="([^"]+/decline)"', page)[1]
    return client.post(action, {"decision": "decline"})


# -- the form -----------------------------------------------------------------------------------


def test_the_checkout_needs_a_cart(client, centra_sandbox) -> None:
    response = client.get("/checkout/", follow=True)

    assert response.redirect_chain == [("/cart/", 302)]
    assert messages_of(response) == ["Your cart is empty."]
    assert centra_sandbox.request_counts["*"] == 0


def test_the_form_asks_what_centra_asks_for_in_one_call(client, centra_sandbox) -> None:
    with_a_cart(client)
    centra_sandbox.request_counts.clear()

    response = client.get("/checkout/")

    assert response.status_code == 200
    assert dict(centra_sandbox.request_counts) == {"GET selection": 1, "*": 1}
    html = response.content.decode()
    form = response.context["form"]
    assert form.fields["address.email"].required
    assert form.fields["address.country"].required
    assert not form.fields["address.firstName"].required
    # Hidden in the plugin's configuration: not asked.
    assert "address.houseNumber" not in form.fields
    assert "address.identityNumber" not in form.fields
    assert 'name="address.vatNumber"' in html
    assert 'name="shippingAddress.vatNumber"' not in html
    # States for the countries that have them, grouped by country.
    assert '<optgroup label="United States">' in html
    assert '<option value="CA">California</option>' in html
    for method in ("standard", "express", "pickup"):
        assert f'id="shipping-{method}"' in html
    for method in ("sandbox-redirect", "sandbox-form", "sandbox-direct", "sandbox-widget"):
        assert f'id="payment-{method}"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_what_is_missing_is_said_next_to_its_field_and_what_was_typed_is_kept(
    client, centra_sandbox
) -> None:
    with_a_cart(client)
    data = checkout_data()
    del data["address.email"]
    del data["termsAndConditions"]
    centra_sandbox.request_counts.clear()

    response = client.post("/checkout/", data)

    assert response.status_code == 400
    assert centra_sandbox.request_counts[PAYMENT] == 0
    form = response.context["form"]
    assert form.errors["address.email"] == ["This field is required."]
    assert form.errors["termsAndConditions"] == ["Please accept the terms and conditions."]
    html = response.content.decode()
    assert 'value="Storgatan 1"' in html
    email_field = html.split('name="address.email"')[1].split("</div>")[0]
    assert "This field is required." in email_field


def test_centras_field_errors_land_next_to_the_field(client, centra_sandbox) -> None:
    with_a_cart(client)

    # A form accepts this address; the sandbox, like Centra, wants a dot in the domain.
    response = pay(client, **{"address.email": "ada@localhost"})

    assert response.status_code == 400
    assert centra_sandbox.request_counts[PAYMENT] == 1
    form = response.context["form"]
    assert form.errors["address.email"] == ["Please check this."]
    assert 'value="ada@localhost"' in response.content.decode()
    assert orders(centra_sandbox) == 0


def test_a_state_must_belong_to_the_country(client, centra_sandbox) -> None:
    with_a_cart(client)

    response = pay(client, **{"address.country": "US", "address.state": "ON"})

    assert response.status_code == 400
    assert response.context["form"].errors["address.state"] == ["Please choose a state."]


def test_the_payment_carries_absolute_pages_the_shoppers_ip_and_the_address(
    client, centra_sandbox, settings
) -> None:
    settings.SHOPPER_IP_HEADER = "X-Forwarded-For"
    settings.ALLOWED_HOSTS = ["shop.example.com", "testserver"]
    with_a_cart(client)

    response = client.post(
        "/sv/checkout/",
        checkout_data(),
        HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="shop.example.com",
    )

    assert response.status_code == 302
    [payment] = centra_sandbox.store.db.execute(
        "SELECT return_page, failed_page FROM payments"
    ).fetchall()
    attempt = PaymentAttempt.objects.get()
    assert (
        payment["return_page"]
        == f"https://shop.example.com/sv/checkout/payment/{attempt.id}/return"
    )
    assert (
        payment["failed_page"]
        == f"https://shop.example.com/sv/checkout/payment/{attempt.id}/failed"
    )
    extra = json.loads(
        centra_sandbox.store.db.execute("SELECT extra FROM selections").fetchone()[0]
    )
    assert extra["ipAddress"] == "203.0.113.9"
    assert extra["termsAndConditions"] is True
    address = json.loads(
        centra_sandbox.store.db.execute("SELECT address FROM selections").fetchone()[0]
    )
    assert (address["email"], address["city"], address["country"]) == (
        "ada@example.com",
        "Stockholm",
        "SE",
    )


# -- every payment action -----------------------------------------------------------------------


def test_redirect_approved_ends_on_the_receipt_with_one_order(client, centra_sandbox) -> None:
    [item] = with_a_cart(client)

    started = pay(client)
    assert started.status_code == 302
    back = approve_on_the_hosted_page(client, started["Location"])
    receipt = client.get(local(back["Location"]), follow=True)

    assert receipt.status_code == 200
    assert receipt.redirect_chain[-1][0].startswith("/checkout/receipt/")
    html = receipt.content.decode()
    assert "Thank you for your order" in html
    shown = receipt.context["receipt"]
    assert shown.number
    assert f"Order number {shown.number}" in html
    assert [line.item for line in shown.cart.lines] == [item.id]
    assert shown.billing[0] == "Ada Lovelace"
    assert (shown.payment_method, shown.shipping_method) == (
        "Card (sandbox redirect)",
        "Standard delivery",
    )
    assert orders(centra_sandbox) == 1
    # The selection became the order: the next cart is a new one.
    assert "token" not in centra_state(client)
    assert '<span class="cart-count" data-cart-count aria-label="0 items">0</span>' in (
        client.get("/cart/").content.decode()
    )


def test_redirect_declined_explains_and_a_retry_succeeds_with_the_cart_intact(
    client, centra_sandbox
) -> None:
    [item] = with_a_cart(client)

    first = pay(client)
    declined = decline_on_the_hosted_page(client, first["Location"])
    failed = client.get(local(declined["Location"]))

    assert failed.status_code == 200
    assert "Your payment did not go through" in failed.content.decode()
    assert orders(centra_sandbox) == 0
    cart = client.get("/cart/").context["cart"]
    assert [line.item for line in cart.lines] == [item.id]

    again = pay(client)
    back = approve_on_the_hosted_page(client, again["Location"])
    receipt = client.get(local(back["Location"]), follow=True)
    assert "Thank you for your order" in receipt.content.decode()
    assert orders(centra_sandbox) == 1
    assert PaymentAttempt.objects.filter(status="failed").count() == 1


def test_the_form_method_renders_its_form_under_a_policy_that_allows_exactly_it(
    client, centra_sandbox
) -> None:
    with_a_cart(client)

    started = pay(client, "sandbox-form")
    page = client.get(started["Location"])

    assert page.status_code == 200
    html = page.content.decode()
    attempt = PaymentAttempt.objects.get()
    form_html = attempt.action["formHtml"]
    assert form_html in html
    policy = page["Content-Security-Policy"]
    inline = re.findall(r"<script>(.*?)</script>", form_html, re.DOTALL)
    assert inline, "the sandbox's form submits itself with an inline script"
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert policy.count("'sha256-") == len(inline)
    assert "frame-ancestors 'none'" in policy
    # The form posts to the return page, as a provider's would.
    action = re.search(r'<form[^>]*action="([^"]+)"', form_html)[1]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form_html))
    receipt = client.post(local(action), fields, follow=True)
    assert "Thank you for your order" in receipt.content.decode()
    assert orders(centra_sandbox) == 1


def test_the_direct_method_completes_at_once(client, centra_sandbox) -> None:
    with_a_cart(client)

    started = pay(client, "sandbox-direct")

    assert started["Location"].startswith("/checkout/receipt/")
    assert "Thank you for your order" in client.get(started["Location"]).content.decode()
    assert centra_sandbox.request_counts[RESULT] == 0
    assert orders(centra_sandbox) == 1


def test_a_free_order_completes_without_a_payment_provider(client, centra_sandbox) -> None:
    with_a_cart(client)
    client.post("/cart/vouchers", {"voucher": "FREE100"})

    started = pay(client, "sandbox-redirect", shippingMethod="pickup")

    assert started["Location"].startswith("/checkout/receipt/")
    receipt = client.get(started["Location"]).context["receipt"]
    assert receipt.cart.totals.grand_total_amount == 0
    assert orders(centra_sandbox) == 1


def widget_step(client: Client, card: str) -> tuple[str, Any]:
    """Start the widget method, pay in the widget with ``card``: the challenge page's code."""
    started = pay(client, "sandbox-widget")
    widget_page = client.get(started["Location"])
    assert widget_page.status_code == 200
    assert "centra_checkout_payment_callback" in widget_page.content.decode()
    attempt = PaymentAttempt.objects.get(status="started")
    detail = {
        "paymentMethod": "sandbox-widget",
        "paymentMethodSpecificFields": {"card": card},
        "responseEventRequired": False,
        "addressIncluded": False,
        "billingAddress": {"country": "SE", "state": ""},
        "shippingAddress": {"country": "SE", "state": ""},
    }
    answer = client.post(
        f"/checkout/payment/{attempt.id}/widget",
        json.dumps(detail),
        content_type="application/json",
    ).json()
    assert answer["ok"] is True
    challenge = client.get(answer["next"])
    return challenge.content.decode(), challenge


def test_the_widget_method_pays_through_its_challenge(client, centra_sandbox) -> None:
    with_a_cart(client)

    html, challenge = widget_step(client, "4111111111111111")

    code = PaymentAttempt.objects.get().action["code"]
    assert f"<script>{code}</script>" in html
    policy = challenge["Content-Security-Policy"]
    assert policy.count("'sha256-") == 1
    step = json.loads(re.search(r"var step = (\{.*?\});", code, re.DOTALL)[1])
    receipt = client.get(local(step["authenticated"]), follow=True)
    assert "Thank you for your order" in receipt.content.decode()
    assert orders(centra_sandbox) == 1


def test_a_declined_widget_card_ends_on_the_failed_page(client, centra_sandbox) -> None:
    with_a_cart(client)

    _, _challenge = widget_step(client, "4000000000000002")

    code = PaymentAttempt.objects.get().action["code"]
    step = json.loads(re.search(r"var step = (\{.*?\});", code, re.DOTALL)[1])
    failed = client.get(local(step["authenticated"]), follow=True)
    assert "Your payment did not go through" in failed.content.decode()
    assert orders(centra_sandbox) == 0


def test_out_of_stock_at_payment_goes_back_with_the_reason(client, centra_sandbox) -> None:
    [item] = with_a_cart(client)
    centra_sandbox.store.db.execute("UPDATE items SET stock = 0 WHERE id = ?", (item.id,))

    started = pay(client)
    failed = client.get(started["Location"])

    assert "sold out while you paid" in failed.content.decode()
    assert orders(centra_sandbox) == 0


# -- exactly once -------------------------------------------------------------------------------


def test_the_return_page_hit_again_shows_the_same_receipt_and_makes_no_second_order(
    client, centra_sandbox
) -> None:
    with_a_cart(client)
    back = approve_on_the_hosted_page(client, pay(client)["Location"])
    return_url = local(back["Location"])

    first = client.get(return_url)
    again = client.get(return_url)  # a refresh
    posted = client.post(return_url, {"anything": "else"})  # the provider posting too

    assert first["Location"] == again["Location"] == posted["Location"]
    assert centra_sandbox.request_counts[RESULT] == 1
    assert orders(centra_sandbox) == 1


def test_two_concurrent_hits_of_the_return_page_call_centra_once(client, centra_sandbox) -> None:
    with_a_cart(client)
    back = approve_on_the_hosted_page(client, pay(client)["Location"])
    return_url = local(back["Location"])
    answers: list[int] = []
    entered = threading.Event()

    # While the first hit waits inside payment-result, the second arrives.
    def hold(route: str, calls: int) -> None:
        if route == RESULT and calls == 1:
            entered.set()
            second = Client()
            second.cookies = client.cookies
            answers.append(second.get(return_url).status_code)

    centra_sandbox.call_hooks.append(hold)
    first = client.get(return_url)

    assert entered.is_set()
    assert answers == [200]  # "confirming your payment", not a second order
    assert first["Location"].startswith("/checkout/receipt/")
    assert centra_sandbox.request_counts[RESULT] == 1
    assert orders(centra_sandbox) == 1


def test_a_posted_return_is_kept_for_the_look_again_after_centra_did_not_answer(
    client, centra_sandbox
) -> None:
    with_a_cart(client)
    pay(client, "sandbox-form")
    form_html = PaymentAttempt.objects.get().action["formHtml"]
    action = re.search(r'<form[^>]*action="([^"]+)"', form_html)[1]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form_html))
    centra_sandbox.faults.errors.append({"route": RESULT, "status": 503, "remaining": 1})

    waiting = client.post(local(html.unescape(action)), fields)

    assert waiting.status_code == 503
    again = html.unescape(re.search(r'content="2;url=([^"]+)"', waiting.content.decode())[1])
    # The provider's signed fields stay server-side, out of the URL (and the access log).
    assert fields["signature"] not in again
    receipt = client.get(again, follow=True)
    assert "Thank you for your order" in receipt.content.decode()
    assert orders(centra_sandbox) == 1
    assert PaymentAttempt.objects.get().return_params == {}


def test_a_tampered_return_url_ends_on_the_failed_page_and_makes_no_order(
    client, centra_sandbox
) -> None:
    with_a_cart(client)
    back = approve_on_the_hosted_page(client, pay(client)["Location"])
    tampered = local(back["Location"]).replace("amount=", "amount=1")

    response = client.get(tampered, follow=True)

    assert "Your payment did not go through" in response.content.decode()
    assert orders(centra_sandbox) == 0


def test_the_receipt_is_the_buyers_only(client, centra_sandbox) -> None:
    with_a_cart(client)
    back = approve_on_the_hosted_page(client, pay(client)["Location"])
    receipt_url = client.get(local(back["Location"]))["Location"]

    assert client.get(receipt_url).status_code == 200
    assert Client().get(receipt_url).status_code == 404


def test_the_cart_is_refused_while_its_payment_is_confirmed(client, centra_sandbox) -> None:
    [item] = with_a_cart(client)
    pay(client)
    PaymentAttempt.objects.update(status=PaymentAttempt.Status.PROCESSING)

    response = add(client, item)

    assert messages_of(response) == [
        "Your payment is being confirmed. Your cart cannot change just now."
    ]


def test_a_completed_order_is_announced_once(
    client, centra_sandbox, receiver, django_capture_on_commit_callbacks
) -> None:
    with_a_cart(client)
    back = approve_on_the_hosted_page(client, pay(client)["Location"])

    with django_capture_on_commit_callbacks(execute=True):
        client.get(local(back["Location"]))
        client.get(local(back["Location"]))

    [event] = OrderEvent.objects.all()
    assert event.status == OrderEvent.Status.SENT
    assert len(receiver.requests) == 1
    assert ORDER_EVENT_SECRET not in receiver.requests[0].content.decode()


def test_centra_down_at_checkout_is_a_friendly_page_and_the_cart_survives(
    client, centra_sandbox
) -> None:
    [item] = with_a_cart(client)
    centra_sandbox.faults.down = "refuse"

    page = client.get("/checkout/")

    assert page.status_code == 503
    centra_sandbox.faults.down = None
    assert [line.item for line in client.get("/cart/").context["cart"].lines] == [item.id]


def test_no_page_of_the_checkout_shows_the_shared_secret(client, centra_sandbox) -> None:
    with_a_cart(client)
    secret = centra_sandbox.config.shared_secret
    pages = [client.get("/cart/"), client.get("/checkout/")]
    started = pay(client, "sandbox-form")
    pages.append(client.get(started["Location"]))

    for page in pages:
        assert secret not in page.content.decode()
        assert secret not in str(page.headers)


# -- the VIP market -----------------------------------------------------------------------------


def test_a_vip_email_moves_the_cart_into_the_vip_market_server_side(
    client, centra_sandbox, settings
) -> None:
    settings.VIP_MARKETS = ["vip.example.com=3:4"]
    with_a_cart(client)
    before = client.get("/cart/").context["cart"].totals.grand_total

    updated = client.post(
        "/checkout/", checkout_data(action="update", **{"address.email": "Eva@VIP.example.com"})
    )

    assert updated.status_code == 200
    assert (choices(client)["market"], choices(client)["pricelist"]) == (3, 4)
    assert updated.context["page"].cart.totals.grand_total != before
    assert 'value="Eva@VIP.example.com"' in updated.content.decode()

    # Another address: back in the country's own market and prices.
    back = client.post("/checkout/", checkout_data(action="update"))
    assert (choices(client)["market"], choices(client)["pricelist"]) == (1, 1)
    assert back.context["page"].cart.totals.grand_total == before


def test_no_page_of_the_purchase_is_ever_shared(client, centra_sandbox) -> None:
    # The cart, checkout, return and receipt pages hold one shopper's details: a proxy or CDN
    # must never keep them (storefront.cache_headers).
    def private(response) -> bool:
        cache_control = response["Cache-Control"]
        return "private" in cache_control and "no-store" in cache_control

    with_a_cart(client)
    assert private(client.get("/cart/"))
    assert private(client.get("/checkout/"))
    started = pay(client)
    back = approve_on_the_hosted_page(client, started["Location"])
    returned = client.get(local(back["Location"]))
    receipt = client.get(returned["Location"])

    assert returned.status_code == 302
    assert receipt.status_code == 200
    assert all(private(r) for r in (started, returned, receipt))
