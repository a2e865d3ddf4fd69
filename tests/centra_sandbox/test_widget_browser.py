"""The widget payment method in a real browser (Debian's Chromium through Playwright): the
widget's pay button dispatches ``centra_checkout_payment_callback`` with the documented detail,
and the challenge ``code`` ends on the shop's return or failed page. The shop's pages are
served by Playwright's request routing, so nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from centra_sandbox import Sandbox
from tests.centra_sandbox.factories import (
    ADDRESS,
    FAILED_PAGE,
    RETURN_PAGE,
    add_known_products,
    order_count,
    start,
)

pytestmark = pytest.mark.e2e

CHECKOUT_PAGE = "https://shop.test/checkout"
APPROVED_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"


@pytest.fixture
def checkout(browser: Any, sandbox: Sandbox, shopper: httpx.Client) -> Iterator[Any]:
    """A page on the shop's checkout holding the widget that ``POST payment`` (initiate only)
    answered for a 2 x 300 SEK cart; the page records every callback event it sees."""
    add_known_products(sandbox.store)
    start(shopper, "SE")
    shopper.post("items/9001-1/quantity/2")
    initiated = shopper.post(
        "payment",
        json={
            "paymentMethod": "sandbox-widget",
            "paymentInitiateOnly": True,
            "address": {"country": "SE"},
        },
    ).json()
    page_html = (
        "<!doctype html><html><body><h1>Checkout</h1>"
        "<script>window.callbacks = [];"
        "document.addEventListener('centra_checkout_payment_callback',"
        " function (event) { window.callbacks.push(event.detail); });</script>"
        f"{initiated['formHtml']}</body></html>"
    )
    context = browser.new_context()
    page = context.new_page()

    def shop(route: Any) -> None:
        on_checkout = route.request.url == CHECKOUT_PAGE
        route.fulfill(
            status=200, content_type="text/html", body=page_html if on_checkout else "landed"
        )

    page.route("https://shop.test/**", shop)
    page.goto(CHECKOUT_PAGE)
    yield page
    context.close()


def pay_in_the_widget(page: Any, shopper: httpx.Client, card: str) -> dict[str, Any]:
    """Pick a card, press pay, send the event as POST payment; returns the event's detail and
    runs the answer's challenge code in the page."""
    page.check(f"input[value='{card}']")
    page.get_by_role("button", name="Pay 649.00 SEK").click()
    [detail] = page.evaluate("window.callbacks")
    body = {
        "paymentMethod": detail["paymentMethod"],
        "paymentMethodSpecificFields": detail["paymentMethodSpecificFields"],
        "paymentReturnPage": RETURN_PAGE,
        "paymentFailedPage": FAILED_PAGE,
        "termsAndConditions": True,
        "address": ADDRESS,  # addressIncluded is false: the checkout's own address
    }
    action = shopper.post("payment", json=body).json()
    assert action["action"] == "javascript", action
    page.add_script_tag(content=action["code"])
    return detail


def land(page: Any, button: str) -> tuple[str, dict[str, str]]:
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name=button).click()
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))


def test_pay_authenticate_and_land_on_the_return_page(
    checkout: Any, sandbox: Sandbox, shopper: httpx.Client
) -> None:
    detail = pay_in_the_widget(checkout, shopper, APPROVED_CARD)

    assert detail == {
        "paymentMethod": "sandbox-widget",
        "paymentMethodSpecificFields": {"card": APPROVED_CARD},
        "responseEventRequired": False,
        "addressIncluded": False,
        "billingAddress": {"country": "SE", "state": ""},
        "shippingAddress": {"country": "SE", "state": ""},
    }
    assert "649.00 SEK" in checkout.get_by_role("dialog").inner_text()
    page_url, parameters = land(checkout, "Authenticate")
    result = shopper.post("payment-result", json={"paymentMethodFields": parameters})

    assert page_url == RETURN_PAGE
    assert result.status_code == 200
    assert result.json()["order"]["paymentMethod"] == "sandbox-widget"
    assert order_count(sandbox) == 1


@pytest.mark.parametrize(
    ("card", "button"), [(DECLINED_CARD, "Authenticate"), (APPROVED_CARD, "Cancel")]
)
def test_a_declined_card_or_a_cancelled_challenge_lands_on_the_failed_page(
    checkout: Any, sandbox: Sandbox, shopper: httpx.Client, card: str, button: str
) -> None:
    pay_in_the_widget(checkout, shopper, card)

    page_url, parameters = land(checkout, button)
    result = shopper.post("payment-result", json={"paymentMethodFields": parameters})

    assert (page_url, parameters["status"]) == (FAILED_PAGE, "declined")
    assert result.status_code == 412
    assert order_count(sandbox) == 0
