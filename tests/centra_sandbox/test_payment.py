"""The sandbox's payment routes one by one: ``POST payment`` preconditions and answers,
``POST payment-result`` verification, ``GET receipt``, and the hosted payment page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    selection_of,
    start,
    stock,
)

SANDBOX_ROOT = "http://sandbox.test"
MESSAGES_UNVERIFIED = ["The payment parameters could not be verified."]


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.fixture
def shop(sandbox: Sandbox) -> Sandbox:
    add_known_products(sandbox.store)
    return sandbox


@pytest.fixture
def pages(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A browser on the sandbox's own pages (the hosted payment page), not following redirects."""
    with httpx.Client(transport=SandboxTransport(sandbox), base_url=SANDBOX_ROOT) as client:
        yield client


def cart(shopper: httpx.Client, country: str = "SE", quantity: int = 2) -> None:
    """2 x 9001-1 at 300 SEK with standard shipping (49): 649.00 SEK."""
    start(shopper, country)
    assert shopper.post(f"items/9001-1/quantity/{quantity}").status_code == 200


def pay(shopper: httpx.Client, method: str = "sandbox-redirect", **changes: Any) -> httpx.Response:
    body: dict[str, Any] = {
        "paymentMethod": method,
        "paymentReturnPage": RETURN_PAGE,
        "paymentFailedPage": FAILED_PAGE,
        "termsAndConditions": True,
        "address": ADDRESS,
    }
    body.update(changes)
    return shopper.post("payment", json={k: v for k, v in body.items() if v is not None})


def payments(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [dict(r) for r in sandbox.store.all("SELECT * FROM payments ORDER BY created_at")]


def form_fields_of(response: httpx.Response) -> dict[str, str]:
    """What a form payment's form would post (query included)."""
    form = forms_in(response.json()["formHtml"])[0]
    return {**query_of(form["action"]), **form["fields"]}


def form_fields(shopper: httpx.Client) -> dict[str, str]:
    """Start a form payment and return what its form would post (query included)."""
    return form_fields_of(pay(shopper, "sandbox-form"))


# -- POST payment preconditions ----------------------------------------------------------------


def test_terms_not_accepted_is_406_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    before = selection_of(shop, shopper)

    for terms in (None, False, "false"):
        response = pay(shopper, termsAndConditions=terms)
        assert response.status_code == 406
        assert response.json() == {
            "token": shopper.headers["API-token"],
            "errors": {"termsAndConditions": "must be true"},
        }
    assert selection_of(shop, shopper) == before
    assert payments(shop) == []


def test_terms_as_the_string_true_is_accepted(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    response = pay(shopper, termsAndConditions="true")

    assert response.status_code == 200
    assert response.json()["action"] == "redirect"


def test_required_address_fields_use_dotted_keys(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    empty = pay(shopper, address={"firstName": "Ada"})
    bad_email = pay(shopper, address={**ADDRESS, "email": "not-an-email"})

    assert empty.status_code == 406
    assert empty.json()["errors"] == {"address.email": "required", "address.country": "required"}
    assert bad_email.status_code == 406
    assert bad_email.json()["errors"] == {"address.email": "not valid"}


def test_empty_selection_cannot_be_paid(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)

    response = pay(shopper)

    assert response.status_code == 406
    assert response.json()["errors"] == {"selection": "no items"}


def test_return_and_failed_pages_are_required_absolute_urls(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    missing = pay(shopper, paymentReturnPage=None, paymentFailedPage="")
    relative = pay(shopper, paymentReturnPage="/return", paymentFailedPage="javascript:alert(1)")
    wrong_type = pay(shopper, paymentReturnPage=5)

    assert missing.status_code == 406
    assert missing.json()["errors"] == {
        "paymentReturnPage": "required",
        "paymentFailedPage": "required",
    }
    assert relative.status_code == 406
    assert relative.json()["errors"] == {
        "paymentReturnPage": "must be an absolute http or https URL",
        "paymentFailedPage": "must be an absolute http or https URL",
    }
    assert wrong_type.status_code == 400
    assert wrong_type.json()["errors"] == {"paymentReturnPage": "must be a string"}
    assert payments(shop) == []


def test_unknown_payment_method_is_404(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    for method in ("nope", 7):
        response = pay(shopper, method)
        assert response.status_code == 404
        assert response.json()["errors"] == {"paymentMethod": "not found"}


def test_not_shippable_country_cannot_be_paid(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper, "CH")

    response = pay(shopper, address={**ADDRESS, "country": "CH"})
    shipped = pay(shopper, shippingAddress={"country": "CH"})
    unknown = pay(shopper, address={**ADDRESS, "country": "XX"})

    assert response.status_code == 406
    assert response.json()["errors"] == {"address.country": "not shippable"}
    assert shipped.json()["errors"] == {"shippingAddress.country": "not shippable"}
    assert unknown.json()["errors"] == {"address.country": "not found"}


def test_the_destination_moves_the_selection_to_its_country(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)  # Sweden, 2 x 300 SEK

    billing = pay(shopper, "sandbox-form", address={**ADDRESS, "country": "DK"})
    moved = shopper.get("selection").json()
    shipping = pay(shopper, "sandbox-form", shippingAddress={"country": "de"})

    assert billing.status_code == 200
    # Denmark's market and pricelist, as PUT countries/DK gives; the language stays.
    assert moved["location"]["country"] == "DK"
    assert (moved["selection"]["currency"], moved["selection"]["language"]) == ("EUR", "sv")
    assert form_fields_of(billing)["amount"] == "64.90"  # 2 x 30.00 + 4.90 shipping
    # The goods go to the shipping address: its country decides, whatever the billing one.
    assert shipping.status_code == 200
    assert shopper.get("selection").json()["location"]["country"] == "DE"


def test_a_refused_payment_leaves_the_selection_where_it_was(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    before = selection_of(shop, shopper)

    response = pay(shopper, termsAndConditions=False, address={**ADDRESS, "country": "DK"})

    assert response.status_code == 406
    assert selection_of(shop, shopper) == before


def test_an_unknown_state_of_a_country_with_states_is_refused(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper, "US")
    address = {**ADDRESS, "country": "US"}

    unknown = pay(shopper, address={**address, "state": "Atlantis"})
    by_name = pay(shopper, "sandbox-form", address={**address, "state": "New York"})

    assert unknown.status_code == 406
    assert unknown.json()["errors"] == {"address.state": "not found"}
    assert by_name.status_code == 200
    assert shopper.get("selection").json()["location"]["state"] == "NY"


def test_a_state_within_the_same_country_keeps_a_chosen_market(
    shop: Sandbox, server: httpx.Client
) -> None:
    server.headers["API-token"] = server.put("selection", json={"country": "US"}).json()["token"]
    server.put("selection", json={"market": 3})
    server.post("items/9001-1")

    response = pay(server, "sandbox-form", address={**ADDRESS, "country": "US", "state": "TX"})
    location = server.get("selection").json()["location"]

    assert response.status_code == 200
    assert (location["state"], location["market"]) == ("TX", 3)


def test_fields_set_earlier_with_payment_fields_count(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    shopper.put("payment-fields", json={"address": ADDRESS, "termsAndConditions": True})

    response = pay(shopper, termsAndConditions=None, address=None)

    assert response.status_code == 200
    assert response.json()["action"] == "redirect"


def test_initiate_only_is_not_supported(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    response = pay(shopper, paymentInitiateOnly=True)

    assert response.status_code == 406
    assert response.json()["errors"] == {
        "paymentInitiateOnly": "not supported by this payment method"
    }


def test_stock_shortage_at_payment_is_410_with_the_corrected_selection(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper, quantity=5)
    shop.store.db.execute("UPDATE items SET stock = 3 WHERE id = '9001-1'")

    response = pay(shopper)

    assert response.status_code == 410
    body = response.json()
    assert body["errors"] == {"stock": "unavailable items"}
    assert body["unavailable"] == [
        {
            "item": "9001-1",
            "product": "9001",
            "originalQuantity": 5,
            "unavailable": 2,
            "available": 3,
        }
    ]
    assert [(i["item"], i["quantity"]) for i in body["selection"]["items"]] == [("9001-1", 3)]
    assert body["location"]["country"] == "SE"
    assert payments(shop) == []


# -- POST payment answers ----------------------------------------------------------------------


def test_redirect_method_points_at_the_hosted_page_and_records_the_payment(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    body = pay(shopper).json()

    assert set(body) == {"token", "action", "url"}
    assert body["action"] == "redirect"
    match = re.fullmatch(r"http://sandbox\.test/payment/([0-9a-f]{32})", body["url"])
    assert match
    [payment] = payments(shop)
    assert {k: payment[k] for k in ("id", "method", "amount", "currency", "status")} == {
        "id": match.group(1),
        "method": "sandbox-redirect",
        "amount": "649.00",
        "currency": "SEK",
        "status": "pending",
    }
    assert payment["return_page"] == RETURN_PAGE
    assert payment["failed_page"] == FAILED_PAGE


def test_form_method_gives_an_auto_submitting_form_to_the_return_page(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    body = pay(shopper, "sandbox-form").json()

    assert body["action"] == "form"
    [form] = forms_in(body["formHtml"])
    assert form["method"] == "post"
    assert form["action"] == f"{RETURN_PAGE}?centraPaymentMethod=sandbox-form"
    assert body["formUrl"] == form["action"]
    assert form["fields"] == body["formFields"]
    [payment] = payments(shop)
    assert {k: v for k, v in form["fields"].items() if k != "signature"} == {
        "payment": payment["id"],
        "amount": "649.00",
        "currency": "SEK",
        "status": "approved",
    }
    assert re.fullmatch(r"[0-9a-f]{64}", form["fields"]["signature"])
    assert ".submit();" in body["formHtml"]


def test_direct_method_completes_the_order_at_once(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    token = shopper.headers["API-token"]
    paid_selection = selection_of(shop, shopper)["selection"]["id"]

    body = pay(shopper, "sandbox-direct").json()

    assert body["action"] == "success"
    assert set(body) == {"token", "action", "order", "languages", "countries", "location"}
    order = body["order"]
    assert order["order"] == "1001"
    assert order["status"] == "untouched"
    assert order["statusDescription"] == "Pending"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", order["date"])
    assert order["paymentMethod"] == "sandbox-direct"
    assert order["shippingMethod"] == "standard"
    assert order["totals"]["grandTotalPrice"] == "649.00 SEK"
    assert order["address"]["countryName"] == "Sweden"
    assert order["shippingAddress"]["firstName"] == "Ada"  # billing address used for shipping
    assert [(i["item"], i["quantity"], i["storePickup"]) for i in order["items"]] == [
        ("9001-1", 2, False)
    ]
    stored = shop.store.one("SELECT * FROM orders WHERE number = '1001'")
    assert stored["selection_id"] == paid_selection
    assert stored["token"] == token
    assert json.loads(stored["data"]) == order
    assert stock(shop, "9001-1") == 8
    assert payments(shop)[0]["status"] == "paid"
    # The shopper now sees an empty cart in the same country.
    after = shopper.get("selection").json()
    assert after["selection"]["items"] == []
    assert after["location"]["country"] == "SE"


def test_order_of_a_logged_in_customer_records_the_customer(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    shop.store.db.execute(
        "INSERT INTO customers (id, email, password_hash, data, created_at) "
        "VALUES (5, 'ada@example.com', 'x', '{}', 0)"
    )
    shop.store.db.execute(
        "UPDATE sessions SET customer_id = 5 WHERE token = ?", (shopper.headers["API-token"],)
    )

    body = pay(shopper, "sandbox-direct").json()

    assert body["loggedIn"]["customer"] == "5"
    assert shop.store.one("SELECT customer_id FROM orders")[0] == 5


# -- POST payment-result -----------------------------------------------------------------------


def test_payment_result_turns_the_selection_into_one_order(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    fields = form_fields(shopper)

    first = shopper.post("payment-result", json={"paymentMethodFields": fields})
    again = shopper.post("payment-result", json={"paymentMethodFields": fields})

    assert first.status_code == 200
    assert set(first.json()) == {"token", "order", "languages", "countries", "location"}
    assert first.json()["order"]["order"] == "1001"
    assert again.status_code == 200
    assert again.json()["order"] == first.json()["order"]
    assert order_count(shop) == 1
    assert stock(shop, "9001-1") == 8


@pytest.mark.parametrize(
    "tamper",
    [
        {"amount": "1.00"},
        {"currency": "EUR"},
        {"payment": "0" * 32},
        {"centraPaymentMethod": "sandbox-direct"},
        {"signature": "0" * 64},
        {"status": "declined"},
    ],
)
def test_tampered_parameters_fail_and_make_no_order(
    shop: Sandbox, shopper: httpx.Client, tamper: dict[str, str]
) -> None:
    cart(shopper)
    fields = form_fields(shopper)
    before = selection_of(shop, shopper)

    response = shopper.post("payment-result", json={"paymentMethodFields": {**fields, **tamper}})

    assert response.status_code == 412
    assert response.json() == {
        "token": shopper.headers["API-token"],
        "errors": {"paymentMethod": "failed"},
        "messages": MESSAGES_UNVERIFIED,
    }
    assert order_count(shop) == 0
    assert selection_of(shop, shopper) == before


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({}, 412, {"paymentMethod": "failed"}),
        ({"paymentMethodFields": {"payment": "x"}}, 412, {"paymentMethod": "failed"}),
        ({"paymentMethodFields": {"amount": ["1"]}}, 412, {"paymentMethod": "failed"}),
        ({"paymentMethodFields": "x"}, 400, {"paymentMethodFields": "must be an object"}),
    ],
)
def test_missing_or_malformed_parameters_fail(
    shop: Sandbox, shopper: httpx.Client, body: dict, status: int, errors: dict
) -> None:
    cart(shopper)

    response = shopper.post("payment-result", json=body)

    assert response.status_code == status
    assert response.json()["errors"] == errors
    assert order_count(shop) == 0


def test_parameters_of_another_session_fail(
    shop: Sandbox, shopper: httpx.Client, server: httpx.Client
) -> None:
    cart(shopper)
    fields = form_fields(shopper)

    response = server.post("payment-result", json={"paymentMethodFields": fields})

    assert response.status_code == 412
    assert response.json()["messages"] == ["This payment belongs to another session."]
    assert order_count(shop) == 0


def test_cart_changed_after_payment_started_fails(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    fields = form_fields(shopper)
    shopper.post("items/9001-1")

    response = shopper.post("payment-result", json={"paymentMethodFields": fields})

    assert response.status_code == 412
    assert response.json()["messages"] == [
        "The selection changed after the payment started; start the payment again."
    ]
    assert order_count(shop) == 0


def test_a_new_payment_supersedes_the_previous_one(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    old = form_fields(shopper)
    new = form_fields(shopper)

    stale = shopper.post("payment-result", json={"paymentMethodFields": old})
    fresh = shopper.post("payment-result", json={"paymentMethodFields": new})

    assert stale.status_code == 412
    assert stale.json()["messages"] == ["The payment is superseded."]
    assert fresh.status_code == 200


def test_stock_gone_at_payment_result_cancels_the_payment(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    fields = form_fields(shopper)
    shop.store.db.execute("UPDATE items SET stock = 1 WHERE id = '9001-1'")

    response = shopper.post("payment-result", json={"paymentMethodFields": fields})

    assert response.status_code == 410
    body = response.json()
    assert body["errors"] == {"stock": "unavailable items"}
    assert body["cancellation"] == {
        "grandTotalPrice": "649.00 SEK",
        "grandTotalPriceAsNumber": 649,
        "currency": "SEK",
    }
    assert [(i["item"], i["quantity"]) for i in body["selection"]["items"]] == [("9001-1", 1)]
    assert payments(shop)[0]["status"] == "cancelled"
    assert order_count(shop) == 0


# -- GET receipt -------------------------------------------------------------------------------


def test_receipt_is_404_without_an_order_and_the_latest_order_after(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    none_yet = shopper.get("receipt")
    first = pay(shopper, "sandbox-direct").json()["order"]
    shopper.post("items/9002-1")
    second = pay(shopper, "sandbox-direct").json()["order"]

    receipt = shopper.get("receipt")

    assert none_yet.status_code == 404
    assert none_yet.json()["errors"] == {"order": "not found"}
    assert (first["order"], second["order"]) == ("1001", "1002")
    assert receipt.status_code == 200
    assert receipt.json()["order"] == second
    assert set(receipt.json()) == {"token", "order", "languages", "countries", "location"}


# -- the hosted payment page -------------------------------------------------------------------


def test_hosted_page_offers_approve_and_decline(
    shop: Sandbox, shopper: httpx.Client, pages: httpx.Client
) -> None:
    cart(shopper)
    url = pay(shopper).json()["url"]
    payment_id = url.rsplit("/", 1)[1]

    page = pages.get(url)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "649.00 SEK" in page.text
    assert [(f["action"], f["method"]) for f in forms_in(page.text)] == [
        (f"{SANDBOX_ROOT}/payment/{payment_id}/approve", "post"),
        (f"{SANDBOX_ROOT}/payment/{payment_id}/decline", "post"),
    ]


def test_approve_redirects_to_the_return_page_with_signed_parameters(
    shop: Sandbox, shopper: httpx.Client, pages: httpx.Client
) -> None:
    cart(shopper)
    url = pay(shopper).json()["url"]

    response = pages.post(f"{url}/approve")
    again = pages.post(f"{url}/approve")

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{RETURN_PAGE}?")
    params = query_of(location)
    assert {k: v for k, v in params.items() if k != "signature"} == {
        "centraPaymentMethod": "sandbox-redirect",
        "payment": url.rsplit("/", 1)[1],
        "amount": "649.00",
        "currency": "SEK",
        "status": "approved",
    }
    assert payments(shop)[0]["status"] == "authorized"
    assert again.status_code == 409


def test_decline_redirects_to_the_failed_page(
    shop: Sandbox, shopper: httpx.Client, pages: httpx.Client
) -> None:
    cart(shopper)
    url = pay(shopper).json()["url"]

    response = pages.post(f"{url}/decline")
    result = shopper.post(
        "payment-result", json={"paymentMethodFields": query_of(response.headers["Location"])}
    )

    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{FAILED_PAGE}?")
    assert query_of(response.headers["Location"])["status"] == "declined"
    assert payments(shop)[0]["status"] == "declined"
    assert pages.get(url).status_code == 409
    assert result.status_code == 412
    assert result.json()["messages"] == ["The payment was declined."]


def test_unapproved_redirect_payment_cannot_be_completed(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    pay(shopper)
    form_style = form_fields(shopper)  # a form payment of the same selection supersedes it
    [redirect_payment, _] = payments(shop)

    # Forge the redirect payment's return: its approval signature was never issued.
    forged = {
        **form_style,
        "payment": redirect_payment["id"],
        "centraPaymentMethod": "sandbox-redirect",
    }
    response = shopper.post("payment-result", json={"paymentMethodFields": forged})

    assert response.status_code == 412
    assert order_count(shop) == 0


def test_hosted_page_for_unknown_or_non_redirect_payments_is_404(
    shop: Sandbox, shopper: httpx.Client, pages: httpx.Client
) -> None:
    cart(shopper)
    fields = form_fields(shopper)

    assert pages.get("/payment/" + "0" * 32).status_code == 404
    assert pages.get(f"/payment/{fields['payment']}").status_code == 404
    assert pages.post(f"/payment/{fields['payment']}/approve").status_code == 404
