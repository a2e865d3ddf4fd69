"""Centra's documented order flow, end to end, for each sandbox payment method: add items, set the
country, choose shipping and payment, pay, go through the provider step as a browser would, send
the return page's parameters to ``payment-result``, and read the receipt.

The "browser" reaches two hosts: the sandbox (its hosted payment page) and the shop's return and
failed pages, stood in for by an ``httpx.MockTransport`` that records what the browser brought.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox.transport import SandboxTransport
from tests.centra_sandbox.factories import (
    ADDRESS,
    FAILED_PAGE,
    RETURN_PAGE,
    add_known_products,
    forms_in,
    order_count,
    start,
    stock,
)


@dataclass
class Browser:
    client: httpx.Client
    # (path, every query and form parameter) per shop page the browser landed on.
    shop_visits: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def landed_params(self) -> dict[str, str]:
        """What the shop's page would forward to ``payment-result``: query and POST merged."""
        return self.shop_visits[-1][1]


@pytest.fixture
def browser(sandbox: Sandbox) -> Iterator[Browser]:
    visits: list[tuple[str, dict[str, str]]] = []

    def shop_page(request: httpx.Request) -> httpx.Response:
        params = dict(parse_qsl(request.url.query.decode()))
        if request.method == "POST":
            params.update(parse_qsl(request.content.decode()))
        visits.append((request.url.path, params))
        return httpx.Response(200, text="<p>shop</p>")

    mounts = {
        "http://sandbox.test": SandboxTransport(sandbox),
        "https://shop.test": httpx.MockTransport(shop_page),
    }
    with httpx.Client(mounts=mounts, follow_redirects=True) as client:
        yield Browser(client, visits)


@pytest.fixture
def shop(sandbox: Sandbox) -> Sandbox:
    add_known_products(sandbox.store)
    return sandbox


def fill_cart(shopper: httpx.Client, payment_method: str) -> dict:
    """2 x 9001-1 (300 SEK) + 1 x 9002-1 (500 SEK), express shipping (129 SEK): 1 229.00 SEK."""
    start(shopper, country=None)
    assert shopper.post("items/9001-1").status_code == 200
    assert shopper.post("items/9001-1").status_code == 200
    assert shopper.post("items/9002-1").status_code == 200
    assert shopper.put("countries/SE").status_code == 200
    assert shopper.put("shipping-methods/express").status_code == 200
    body = shopper.put(f"payment-methods/{payment_method}").json()
    assert body["selection"]["totals"]["grandTotalPrice"] == "1 229.00 SEK"
    return body


def begin_payment(shopper: httpx.Client) -> httpx.Response:
    # No paymentMethod: the selection's own choice is used, as Centra's server-side example does.
    return shopper.post(
        "payment",
        json={
            "paymentReturnPage": RETURN_PAGE,
            "paymentFailedPage": FAILED_PAGE,
            "termsAndConditions": True,
            "address": ADDRESS,
        },
    )


def assert_completed(shop: Sandbox, shopper: httpx.Client, order: dict, method: str) -> None:
    assert order["order"] == "1001"
    assert order["status"] == "untouched"
    assert order["statusDescription"] == "Pending"
    assert order["paymentMethod"] == method
    assert order["shippingMethod"] == "express"
    assert order["currency"] == "SEK"
    assert [(i["item"], i["quantity"]) for i in order["items"]] == [("9001-1", 2), ("9002-1", 1)]
    assert order["totals"]["itemsTotalPrice"] == "1 100.00 SEK"
    assert order["totals"]["shippingPrice"] == "129.00 SEK"
    assert order["totals"]["grandTotalPrice"] == "1 229.00 SEK"
    assert order["totals"]["grandTotalPriceTax"] == "245.80 SEK"
    assert order["address"]["email"] == "ada@example.com"
    assert order["currencyFormat"]["currency"] == "SEK"
    receipt = shopper.get("receipt")
    assert receipt.status_code == 200
    assert receipt.json()["order"] == order
    assert receipt.json()["location"]["country"] == "SE"
    assert shopper.get("selection").json()["selection"]["items"] == []
    assert (stock(shop, "9001-1"), stock(shop, "9002-1")) == (8, 49)
    assert order_count(shop) == 1


def test_redirect_flow(shop: Sandbox, shopper: httpx.Client, browser: Browser) -> None:
    fill_cart(shopper, "sandbox-redirect")

    payment = begin_payment(shopper).json()
    assert payment["action"] == "redirect"
    page = browser.client.get(payment["url"])
    approve = next(f for f in forms_in(page.text) if f["action"].endswith("/approve"))
    landed = browser.client.post(approve["action"], data=approve["fields"])
    result = shopper.post("payment-result", json={"paymentMethodFields": browser.landed_params()})

    assert str(landed.url).startswith(RETURN_PAGE)
    assert browser.shop_visits[-1][0] == "/checkout/return"
    assert browser.landed_params()["centraPaymentMethod"] == "sandbox-redirect"
    assert result.status_code == 200
    assert_completed(shop, shopper, result.json()["order"], "sandbox-redirect")


def test_form_flow(shop: Sandbox, shopper: httpx.Client, browser: Browser) -> None:
    fill_cart(shopper, "sandbox-form")

    payment = begin_payment(shopper).json()
    assert payment["action"] == "form"
    [form] = forms_in(payment["formHtml"])
    browser.client.post(form["action"], data=form["fields"])
    result = shopper.post("payment-result", json={"paymentMethodFields": browser.landed_params()})

    assert browser.shop_visits[-1][0] == "/checkout/return"
    assert browser.landed_params()["centraPaymentMethod"] == "sandbox-form"
    assert browser.landed_params()["amount"] == "1229.00"
    assert result.status_code == 200
    assert_completed(shop, shopper, result.json()["order"], "sandbox-form")


def test_direct_flow(shop: Sandbox, shopper: httpx.Client) -> None:
    fill_cart(shopper, "sandbox-direct")

    payment = begin_payment(shopper).json()

    assert payment["action"] == "success"
    assert_completed(shop, shopper, payment["order"], "sandbox-direct")


def test_declined_payment_lands_on_the_failed_page_and_keeps_the_cart(
    shop: Sandbox, shopper: httpx.Client, browser: Browser
) -> None:
    fill_cart(shopper, "sandbox-redirect")

    payment = begin_payment(shopper).json()
    page = browser.client.get(payment["url"])
    decline = next(f for f in forms_in(page.text) if f["action"].endswith("/decline"))
    browser.client.post(decline["action"], data=decline["fields"])
    # A careless shop that still asks for the result gets a failure, not an order.
    result = shopper.post("payment-result", json={"paymentMethodFields": browser.landed_params()})

    assert browser.shop_visits[-1][0] == "/checkout/failed"
    assert result.status_code == 412
    assert result.json()["errors"] == {"paymentMethod": "failed"}
    assert order_count(shop) == 0
    assert shopper.get("receipt").status_code == 404
    items = shopper.get("selection").json()["selection"]["items"]
    assert [(i["item"], i["quantity"]) for i in items] == [("9001-1", 2), ("9002-1", 1)]
    # The shopper can try again with another method.
    shopper.put("payment-methods/sandbox-direct")
    assert begin_payment(shopper).json()["action"] == "success"


def test_tampered_return_parameters_make_no_order(
    shop: Sandbox, shopper: httpx.Client, browser: Browser
) -> None:
    fill_cart(shopper, "sandbox-form")

    [form] = forms_in(begin_payment(shopper).json()["formHtml"])
    browser.client.post(form["action"], data={**form["fields"], "amount": "0.01"})
    result = shopper.post("payment-result", json={"paymentMethodFields": browser.landed_params()})

    assert result.status_code == 412
    assert result.json()["errors"] == {"paymentMethod": "failed"}
    assert result.json()["messages"] == ["The payment parameters could not be verified."]
    assert order_count(shop) == 0
    assert (stock(shop, "9001-1"), stock(shop, "9002-1")) == (10, 50)


def test_repeated_payment_result_returns_the_same_order(
    shop: Sandbox, shopper: httpx.Client, browser: Browser
) -> None:
    fill_cart(shopper, "sandbox-redirect")
    payment = begin_payment(shopper).json()
    page = browser.client.get(payment["url"])
    approve = next(f for f in forms_in(page.text) if f["action"].endswith("/approve"))
    browser.client.post(approve["action"], data=approve["fields"])
    fields = {"paymentMethodFields": browser.landed_params()}

    first = shopper.post("payment-result", json=fields)
    second = shopper.post("payment-result", json=fields)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["order"] == first.json()["order"]
    assert_completed(shop, shopper, first.json()["order"], "sandbox-redirect")


def test_zero_total_completes_without_the_provider(shop: Sandbox, shopper: httpx.Client) -> None:
    shop.store.db.execute("INSERT INTO vouchers VALUES ('FREE', 'percent', 100, 'Everything free')")
    fill_cart(shopper, "sandbox-redirect")
    shopper.put("shipping-methods/pickup")  # free in Sweden
    totals = shopper.post("vouchers", json={"voucher": "FREE"}).json()["selection"]["totals"]
    assert totals["grandTotalPrice"] == "0.00 SEK"

    payment = begin_payment(shopper).json()

    assert payment["action"] == "success"
    order = payment["order"]
    assert order["totals"]["totalDiscountPrice"] == "-1 100.00 SEK"
    assert order["totals"]["grandTotalPriceAsNumber"] == 0
    assert order["discounts"]["vouchers"][0]["voucher"] == "FREE"
    assert shopper.get("receipt").json()["order"] == order
    assert order_count(shop) == 1


def test_stock_running_out_between_add_and_payment_is_410(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    fill_cart(shopper, "sandbox-direct")
    shop.store.db.execute("UPDATE items SET stock = 0 WHERE id = '9002-1'")

    response = begin_payment(shopper)

    assert response.status_code == 410
    body = response.json()
    assert body["errors"] == {"stock": "unavailable items"}
    assert body["unavailable"] == [
        {
            "item": "9002-1",
            "product": "9002",
            "originalQuantity": 1,
            "unavailable": 1,
            "available": 0,
        }
    ]
    assert [(i["item"], i["quantity"]) for i in body["selection"]["items"]] == [("9001-1", 2)]
    assert body["selection"]["totals"]["grandTotalPrice"] == "729.00 SEK"
    assert order_count(shop) == 0
    # Paying again takes what is left.
    again = begin_payment(shopper).json()
    assert again["action"] == "success"
    assert again["order"]["totals"]["grandTotalPrice"] == "729.00 SEK"
