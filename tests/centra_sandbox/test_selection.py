"""The sandbox's selection routes: items and lines, stock, location, vouchers, methods, payment
fields and the SelectionResponse envelope, called as a browser (``shopper``) or a backend
(``server``) would.

The tests add their own products (ids 9001-9003, ``factories.KNOWN_PRODUCTS``) so the numbers
below do not depend on the random demo catalog; markets, pricelists, countries, shipping and
vouchers come from the demo.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from centra_sandbox import Sandbox
from tests.centra_sandbox.factories import ADDRESS, add_known_products, selection_of, start


@pytest.fixture
def shop(sandbox: Sandbox) -> Sandbox:
    """The demo sandbox plus the known products."""
    add_known_products(sandbox.store)
    return sandbox


def item_lines(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(i["item"], i["quantity"]) for i in body["selection"]["items"]]


# -- the envelope ------------------------------------------------------------------------------


def test_new_session_has_an_empty_selection_with_the_documented_envelope(
    shopper: httpx.Client,
) -> None:
    response = shopper.get("selection")

    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"])
    assert set(body) == {
        "token",
        "selection",
        "languages",
        "paymentMethods",
        "paymentFields",
        "shippingMethods",
        "countries",
        "location",
    }
    assert body["location"] == {
        "country": None,
        "name": "",
        "state": None,
        "stateName": "",
        "eu": False,
        "shipTo": False,
        "market": 1,
        "pricelist": 1,
        "language": {"language": "en", "name": "English", "default": True},
    }
    assert body["languages"] == [
        {"language": "en", "name": "English", "default": True},
        {"language": "de", "name": "German", "default": False},
        {"language": "sv", "name": "Swedish", "default": False},
    ]
    assert body["shippingMethods"] == []
    selection = body["selection"]
    assert selection["items"] == []
    assert selection["shippingMethod"] == ""
    assert selection["currency"] == "SEK"
    assert selection["totals"]["totalDiscountPrice"] is False
    assert selection["totals"]["grandTotalPrice"] == "0.00 SEK"
    assert selection["address"] == {
        "email": "",
        "firstName": "",
        "lastName": "",
        "company": "",
        "address1": "",
        "address2": "",
        "zipCode": "",
        "city": "",
        "state": "",
        "country": "",
        "phoneNumber": "",
        "vatNumber": "",
    }
    assert "vatNumber" not in selection["shippingAddress"]


def test_envelope_lists_shippable_countries_payment_methods_and_required_fields(
    shopper: httpx.Client,
) -> None:
    body = shopper.get("selection").json()

    countries = {c["country"]: c for c in body["countries"]}
    assert "CH" not in countries  # not shippable
    assert countries["SE"] == {
        "country": "SE",
        "name": "Sweden",
        "eu": True,
        "language": "sv",
        "currency": "SEK",
    }
    assert countries["US"]["currency"] == "USD"
    assert {"state": "CA", "name": "California"} in countries["US"]["states"]
    assert [m["paymentMethod"] for m in body["paymentMethods"]] == [
        "sandbox-redirect",
        "sandbox-form",
        "sandbox-direct",
        "sandbox-widget",
    ]
    # Only the widget can be shown before the address is known.
    assert [m["supportsInitiateOnly"] for m in body["paymentMethods"]] == [
        False,
        False,
        False,
        True,
    ]
    assert body["paymentMethods"][0]["handlingCost"] == "0.00 SEK"
    assert body["paymentMethods"][0]["handlingCostAsNumber"] == 0
    fields = body["paymentFields"]
    assert fields["termsAndConditions"] == {"type": "boolean", "required": True, "visible": True}
    required = sorted(name for name, f in fields["address"].items() if f["required"])
    assert required == ["country", "email"]
    assert fields["address"]["newsletter"]["type"] == "boolean"


def test_logged_in_appears_when_the_session_belongs_to_a_customer(
    sandbox: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    db = sandbox.store.db
    db.execute(
        "INSERT INTO customers (id, email, password_hash, data, newsletter, created_at) "
        "VALUES (7, 'ada@example.com', 'x', ?, 1, 0)",
        (json.dumps({"firstName": "Ada", "language": "sv"}),),
    )
    db.execute(
        "UPDATE sessions SET customer_id = 7 WHERE token = ?", (shopper.headers["API-token"],)
    )

    logged_in = shopper.get("selection").json()["loggedIn"]

    assert logged_in["customer"] == "7"
    assert logged_in["email"] == "ada@example.com"
    assert logged_in["firstName"] == "Ada"
    assert logged_in["language"] == "sv"
    assert logged_in["newsletter"] is True


# -- items and lines ---------------------------------------------------------------------------


def test_adding_the_same_item_twice_merges_into_one_line(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    first = shopper.post("items/9001-1").json()
    second = shopper.post("items/9001-1").json()

    line = first["selection"]["items"][0]["line"]
    assert re.fullmatch(r"[0-9a-f]{32}", line)
    assert [(i["line"], i["quantity"]) for i in second["selection"]["items"]] == [(line, 2)]
    assert second["selection"]["totals"]["totalQuantity"] == 2


def test_selection_item_carries_prices_tax_and_the_product(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    item = shopper.post("items/9001-1/quantity/2").json()["selection"]["items"][0]

    assert {k: v for k, v in item.items() if k not in ("line", "product", "discounts")} == {
        "item": "9001-1",
        "productUrl": None,
        "category": None,
        "size": "S1",
        "localizedSize": None,
        "sku": "T9001G1",
        "ean": "EAN90011",
        "upc": "",
        "quantity": 2,
        "comment": "",
        "priceEach": "300.00 SEK",
        "priceEachAsNumber": 300,
        "totalPrice": "600.00 SEK",
        "totalPriceAsNumber": 600,
        "priceEachBeforeDiscount": "400.00 SEK",
        "priceEachBeforeDiscountAsNumber": 400,
        "anyDiscount": True,
        "taxPercent": 25,
        "priceEachWithoutTax": "240.00 SEK",
        "priceEachWithoutTaxAsNumber": 240,
        "priceEachReduction": "100.00 SEK",
        "priceEachReductionAsNumber": 100,
        "totalPriceBeforeDiscount": "800.00 SEK",
        "totalPriceBeforeDiscountAsNumber": 800,
    }
    assert item["discounts"] == {"vouchers": [], "automaticDiscounts": []}
    assert item["product"]["product"] == "9001"
    assert item["product"]["name"] == "Test product 9001 (sv)"
    assert "available" not in item["product"]


def test_unknown_item_is_404_and_changes_nothing(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    for path in ("items/123-456", "items/..%2F9001-1", "items/" + "9" * 300, "items/9001-1%00"):
        response = shopper.post(path)
        assert response.status_code == 404, path
        assert response.json()["errors"] == {"item": "product item not found"}
    assert selection_of(shop, shopper) == before


def test_item_outside_the_market_or_without_a_price_is_refused(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper, "US")
    not_in_market = shopper.post("items/9002-1")
    start(shopper, "DE")
    before = selection_of(shop, shopper)
    no_price = shopper.post("items/9003-1")

    assert not_in_market.status_code == 404
    assert not_in_market.json()["errors"] == {"item": "product item not found"}
    assert no_price.status_code == 406
    assert no_price.json()["errors"] == {"item": "not purchasable"}
    assert selection_of(shop, shopper) == before


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1.5", "10000", "9" * 40, "%C2%B2"])
def test_bad_quantities_are_400_and_change_nothing(
    shop: Sandbox, shopper: httpx.Client, quantity: str
) -> None:
    start(shopper)
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]
    before = selection_of(shop, shopper)

    for method, path in (
        ("POST", f"items/9001-1/quantity/{quantity}"),
        ("POST", f"lines/{line}/quantity/{quantity}"),
        ("DELETE", f"lines/{line}/quantity/{quantity}"),
    ):
        response = shopper.request(method, path)
        assert response.status_code == 400, (method, path)
        assert response.json()["errors"] == {"quantity": "must be an integer from 1 to 9999"}
    assert selection_of(shop, shopper) == before


def test_partial_stock_shortage_caps_the_line_and_lists_it(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    response = shopper.post("items/9001-2/quantity/5")

    assert response.status_code == 200
    body = response.json()
    assert body["unavailable"] == [
        {
            "item": "9001-2",
            "product": "9001",
            "originalQuantity": 5,
            "unavailable": 3,
            "available": 2,
        }
    ]
    assert item_lines(body) == [("9001-2", 2)]


def test_full_stock_shortage_is_410_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-2/quantity/2")
    before = selection_of(shop, shopper)

    more = shopper.post("items/9001-2")
    sold_out = shopper.post("items/9001-3")

    assert more.status_code == 410
    assert more.json() == {
        "token": shopper.headers["API-token"],
        "errors": {"stock": "unavailable items"},
        "unavailable": [
            {
                "item": "9001-2",
                "product": "9001",
                "originalQuantity": 3,
                "unavailable": 1,
                "available": 2,
            }
        ],
    }
    assert sold_out.status_code == 410
    assert sold_out.json()["unavailable"][0]["available"] == 0
    assert selection_of(shop, shopper) == before


def test_line_routes_increase_set_decrease_and_remove(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]

    assert item_lines(shopper.post(f"lines/{line}").json()) == [("9001-1", 2)]
    assert item_lines(shopper.post(f"lines/{line}/quantity/3").json()) == [("9001-1", 5)]
    assert item_lines(shopper.put(f"lines/{line}/quantity/4").json()) == [("9001-1", 4)]
    assert item_lines(shopper.delete(f"lines/{line}/quantity/1").json()) == [("9001-1", 3)]
    assert item_lines(shopper.delete(f"lines/{line}/quantity/7").json()) == []
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]
    assert item_lines(shopper.put(f"lines/{line}/quantity/0").json()) == []
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]
    assert item_lines(shopper.delete(f"lines/{line}").json()) == []


def test_line_increase_over_stock_is_capped(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    line = shopper.post("items/9001-1/quantity/8").json()["selection"]["items"][0]["line"]

    body = shopper.put(f"lines/{line}/quantity/12").json()

    assert item_lines(body) == [("9001-1", 10)]
    assert body["unavailable"][0]["unavailable"] == 2


def test_unknown_line_is_404_and_changes_nothing(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    for method, path in (
        ("POST", "lines/0123456789abcdef0123456789abcdef"),
        ("PUT", "lines/nope/quantity/2"),
        ("DELETE", "lines/..%2Fselection"),
        ("DELETE", "lines/nope/quantity/1"),
    ):
        response = shopper.request(method, path)
        assert response.status_code == 404, path
        assert response.json()["errors"] == {"line": "not found"}
    assert selection_of(shop, shopper) == before


def test_a_line_of_another_selection_is_not_found(
    shop: Sandbox, shopper: httpx.Client, server: httpx.Client
) -> None:
    start(shopper)
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]

    response = server.delete(f"lines/{line}")

    assert response.status_code == 404
    assert item_lines(shopper.get("selection").json()) == [("9001-1", 1)]


# -- bulk PUT items ----------------------------------------------------------------------------


def test_bulk_update_sets_lines_and_adds_items(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    body = shopper.post("items/9001-1").json()
    body = shopper.post("items/9003-1").json()
    first, second = (i["line"] for i in body["selection"]["items"])

    response = shopper.put(
        "items",
        json={
            "lines": [{"line": first, "quantity": 3}, {"line": second, "quantity": 0}],
            "items": [{"item": "9002-1", "quantity": 2}],
        },
    )

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert item_lines(response.json()) == [("9001-1", 3), ("9002-1", 2)]


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"lines": "lines or items required"}),
        ({"lines": "x"}, {"lines": "must be a list of at most 100 objects"}),
        ({"items": [{"item": 9001, "quantity": 1}]}, {"items.0.item": "required"}),
        (
            {"items": [{"item": "9002-1", "quantity": 0}]},
            {"items.0.quantity": "must be an integer from 1 to 9999"},
        ),
        (
            {"items": [{"item": "9002-1", "quantity": "2"}]},
            {"items.0.quantity": "must be an integer from 1 to 9999"},
        ),
        (
            {"lines": [{"line": "x", "quantity": True}]},
            {"lines.0.quantity": "must be an integer from 0 to 9999"},
        ),
        (
            {"items": [{"item": "9002-1", "quantity": 1}] * 101},
            {"items": "must be a list of at most 100 objects"},
        ),
    ],
)
def test_bulk_update_malformed_is_400_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client, payload: dict, errors: dict
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    response = shopper.put("items", json=payload)

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert selection_of(shop, shopper) == before


def test_bulk_update_unknown_line_or_item_is_404_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    line = shopper.post("items/9001-1").json()["selection"]["items"][0]["line"]
    before = selection_of(shop, shopper)

    response = shopper.put(
        "items",
        json={
            "lines": [{"line": line, "quantity": 5}, {"line": "f" * 32, "quantity": 1}],
            "items": [{"item": "9002-1", "quantity": 1}, {"item": "1-1", "quantity": 1}],
        },
    )

    assert response.status_code == 404
    assert response.json()["errors"] == {
        "lines.1.line": "not found",
        "items.1.item": "product item not found",
    }
    assert selection_of(shop, shopper) == before


def test_bulk_update_item_already_on_a_line_is_406_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    response = shopper.put(
        "items",
        json={"items": [{"item": "9002-1", "quantity": 1}, {"item": "9001-1", "quantity": 1}]},
    )

    assert response.status_code == 406
    assert response.json()["errors"] == {"items.1.item": "already in selection"}
    assert selection_of(shop, shopper) == before


def test_bulk_update_partial_success_lists_failed_operations(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)

    response = shopper.put(
        "items",
        json={"items": [{"item": "9002-1", "quantity": 1}, {"item": "9001-3", "quantity": 1}]},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == {"items.1.quantity": "unavailable items"}
    assert body["unavailable"] == [
        {
            "item": "9001-3",
            "product": "9001",
            "originalQuantity": 1,
            "unavailable": 1,
            "available": 0,
        }
    ]
    assert item_lines(body) == [("9002-1", 1)]


# -- totals ------------------------------------------------------------------------------------


def test_totals_of_a_known_swedish_cart(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1/quantity/2")
    totals = shopper.post("items/9002-1").json()["selection"]["totals"]

    assert totals == {
        "itemsTotalPrice": "1 100.00 SEK",
        "itemsTotalPriceAsNumber": 1100,
        "totalDiscountPrice": False,
        "totalDiscountPriceAsNumber": False,
        "shippingPrice": "49.00 SEK",
        "shippingPriceAsNumber": 49,
        "handlingCostPrice": "0.00 SEK",
        "handlingCostPriceAsNumber": 0,
        "handlingCostAddedToShippingPrice": False,
        "totalQuantity": 3,
        "taxDeducted": False,
        "taxDeductedAsNumber": False,
        "taxAdded": False,
        "taxAddedAsNumber": False,
        "taxPercent": 25,
        "grandTotalPrice": "1 149.00 SEK",
        "grandTotalPriceAsNumber": 1149,
        "grandTotalPriceTax": "229.80 SEK",
        "grandTotalPriceTaxAsNumber": 229.8,
    }


def test_us_state_adds_its_sales_tax_on_top(shop: Sandbox, shopper: httpx.Client) -> None:
    shopper.put("countries/us/states/ca")
    body = shopper.post("items/9001-1/quantity/2").json()
    totals = body["selection"]["totals"]

    assert body["location"]["state"] == "CA"
    assert body["location"]["stateName"] == "California"
    assert body["location"]["market"] == 2
    assert body["location"]["pricelist"] == 3
    # 2 x 40.00 + 5.90 standard shipping = 85.90; 7.25 % of it is 6.23.
    assert totals["itemsTotalPrice"] == "$80.00"
    assert totals["shippingPrice"] == "$5.90"
    assert totals["taxPercent"] == 7.25
    assert totals["taxAdded"] == "$6.23"
    assert totals["taxAddedAsNumber"] == 6.23
    assert totals["grandTotalPrice"] == "$92.13"
    assert totals["grandTotalPriceAsNumber"] == 92.13
    assert totals["grandTotalPriceTax"] == "$6.23"
    assert body["selection"]["items"][0]["priceEachWithoutTax"] == "$40.00"


@pytest.mark.parametrize(("path", "percent"), [("us/states/oh", 6), ("ca/states/on", 5)])
def test_a_state_without_a_rate_of_its_own_is_taxed_at_its_country_rate(
    shop: Sandbox, shopper: httpx.Client, path: str, percent: int
) -> None:
    shopper.put(f"countries/{path}")

    body = shopper.post("items/9001-1").json()

    assert body["location"]["state"] == path[-2:].upper()
    assert body["selection"]["totals"]["taxPercent"] == percent


def test_euro_country_formats_money_and_includes_its_tax(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper, "DE")
    body = shopper.post("items/9001-1/quantity/2").json()
    selection = body["selection"]

    assert selection["currency"] == "EUR"
    assert selection["currencyFormat"]["prefix"] == "€"
    assert selection["currencyFormat"]["decimalPoint"] == ","
    # 60.00 + 4.90 shipping; 19 % included: 64.90 * 19 / 119 = 10.36.
    assert selection["totals"]["grandTotalPrice"] == "€64,90"
    assert selection["totals"]["grandTotalPriceTax"] == "€10,36"
    assert selection["totals"]["grandTotalPriceTaxAsNumber"] == 10.36
    assert body["location"]["language"] == {"language": "de", "name": "German", "default": False}


# -- location ----------------------------------------------------------------------------------


def test_changing_country_reprices_and_drops_what_is_not_sold_there(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    shopper.post("items/9002-1")
    shopper.post("items/9003-1")

    german = shopper.put("countries/DE").json()
    american = shopper.put("countries/US").json()

    # 9003 has no EUR price; 9002 is not sold in North America.
    assert [(i["item"], i["priceEach"]) for i in german["selection"]["items"]] == [
        ("9001-1", "€30,00"),
        ("9002-1", "€50,00"),
    ]
    assert [(i["item"], i["priceEach"]) for i in american["selection"]["items"]] == [
        ("9001-1", "$40.00"),
    ]
    assert american["location"]["market"] == 2


def test_unknown_country_or_state_is_404_and_changes_nothing(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    unknown_country = shopper.put("countries/XX")
    unknown_state = shopper.put("countries/US/states/ZZ")
    no_states = shopper.put("countries/SE/states/CA")
    tricky = shopper.put("countries/..%2Fselection")

    assert unknown_country.status_code == 404
    assert unknown_country.json()["errors"] == {"country": "not found"}
    assert unknown_state.status_code == 404
    assert unknown_state.json()["errors"] == {"state": "not found"}
    assert no_states.status_code == 404
    assert no_states.json()["errors"] == {"state": "not found"}
    assert tricky.status_code == 404
    assert selection_of(shop, shopper) == before


def test_country_change_takes_an_optional_language(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    before = selection_of(shop, shopper)

    refused = shopper.put("countries/DE", json={"language": "xx"})
    after_refusal = selection_of(shop, shopper)
    accepted = shopper.put("countries/DE", json={"language": "sv"})
    blank = shopper.put("countries/AT", json={"language": ""})

    assert refused.status_code == 404
    assert refused.json()["errors"] == {"language": "not found"}
    assert after_refusal == before
    assert accepted.json()["selection"]["language"] == "sv"
    assert accepted.json()["location"]["country"] == "DE"
    # A blank language is not sent: the country's own applies.
    assert blank.json()["selection"]["language"] == "de"


def test_not_shippable_country_has_no_shipping(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1")

    body = shopper.put("countries/CH").json()

    assert body["location"]["country"] == "CH"
    assert body["location"]["shipTo"] is False
    assert body["shippingMethods"] == []
    assert body["selection"]["shippingMethod"] == ""
    assert body["selection"]["totals"]["shippingPrice"] == "€0,00"


def test_language_change(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    unknown = shopper.put("languages/xx")
    assert selection_of(shop, shopper) == before
    body = shopper.put("languages/de").json()

    assert unknown.status_code == 404
    assert unknown.json()["errors"] == {"language": "not found"}
    assert body["selection"]["language"] == "de"
    assert body["location"]["language"] == {"language": "de", "name": "German", "default": False}
    assert body["selection"]["items"][0]["product"]["name"] == "Test product 9001 (de)"


# -- shipping and payment methods --------------------------------------------------------------


def test_shipping_method_choice_survives_a_country_change_while_offered(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")

    express = shopper.put("shipping-methods/express").json()
    danish = shopper.put("countries/DK").json()
    shopper.put("countries/SE")
    shopper.put("shipping-methods/pickup")
    back_in_denmark = shopper.put("countries/DK").json()

    assert express["selection"]["shippingMethod"] == "express"
    assert express["selection"]["totals"]["shippingPrice"] == "129.00 SEK"
    assert danish["selection"]["shippingMethod"] == "express"
    assert danish["selection"]["totals"]["shippingPrice"] == "€12,90"
    # Pickup exists only in Sweden: the first offered method takes over.
    assert back_in_denmark["selection"]["shippingMethod"] == "standard"
    assert [m["shippingMethod"] for m in back_in_denmark["shippingMethods"]] == [
        "standard",
        "express",
    ]


def test_unknown_shipping_method_is_404(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper, "DK")
    before = selection_of(shop, shopper)

    for method in ("nope", "pickup"):  # pickup is not offered in Denmark
        response = shopper.put(f"shipping-methods/{method}")
        assert response.status_code == 404
        assert response.json()["errors"] == {"shippingMethod": "not found"}
    assert selection_of(shop, shopper) == before


def test_payment_method_choice(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    before = selection_of(shop, shopper)

    unknown = shopper.put("payment-methods/nope")
    assert selection_of(shop, shopper) == before
    body = shopper.put("payment-methods/sandbox-form").json()

    assert unknown.status_code == 404
    assert unknown.json() == {
        "token": shopper.headers["API-token"],
        "errors": {"paymentMethod": "not found"},
    }
    assert body["selection"]["paymentMethod"] == "sandbox-form"
    assert body["selection"]["paymentMethodName"] == "Invoice (sandbox form)"


# -- vouchers ----------------------------------------------------------------------------------


def test_percent_voucher_shows_in_discounts_and_totals(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1/quantity/2")
    body = shopper.post("items/9002-1").json()
    lines = [i["line"] for i in body["selection"]["items"]]

    body = shopper.post("vouchers", json={"voucher": "WELCOME10"}).json()
    selection = body["selection"]

    # 10 % of 1 100 = 110; 1 100 - 110 + 49 = 1 039; tax 1 039 / 5 = 207.80.
    assert selection["totals"]["totalDiscountPrice"] == "-110.00 SEK"
    assert selection["totals"]["totalDiscountPriceAsNumber"] == -110
    assert selection["totals"]["grandTotalPrice"] == "1 039.00 SEK"
    assert selection["totals"]["grandTotalPriceTax"] == "207.80 SEK"
    assert selection["discounts"]["anyDiscount"] is True
    assert selection["discounts"]["discount"] == "-110.00 SEK"
    assert selection["discounts"]["vouchers"] == [
        {
            "voucher": "WELCOME10",
            "type": "code",
            "description": "10% off your order",
            "priceOff": "-110.00 SEK",
            "priceOffAsNumber": -110,
            "expiryDate": None,
            "lines": lines,
            "shippingDiscount": "0.00 SEK",
            "shippingDiscountAsNumber": 0,
            "attributes": {},
        }
    ]
    # Split over the lines by their share of the items total: 600 and 500.
    assert [i["discounts"]["vouchers"][0]["priceOffAsNumber"] for i in selection["items"]] == [
        -60,
        -50,
    ]
    assert selection["items"][0]["priceEach"] == "300.00 SEK"


def test_fixed_voucher_and_code_with_a_plus_sign(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9001-1/quantity/2")

    fixed = shopper.post("vouchers", json={"voucher": "SAVE100"}).json()
    both = shopper.post("vouchers", json={"voucher": "TEST+CODE"}).json()
    removed = shopper.delete("vouchers/TEST%2BCODE").json()

    assert fixed["selection"]["totals"]["totalDiscountPrice"] == "-100.00 SEK"
    assert fixed["selection"]["totals"]["grandTotalPrice"] == "549.00 SEK"
    # 100 fixed + 15 % of 600 = 190.
    assert both["selection"]["totals"]["totalDiscountPrice"] == "-190.00 SEK"
    assert [v["voucher"] for v in both["selection"]["discounts"]["vouchers"]] == [
        "SAVE100",
        "TEST+CODE",
    ]
    assert [v["voucher"] for v in removed["selection"]["discounts"]["vouchers"]] == ["SAVE100"]


def test_discounts_never_exceed_the_items_total(
    sandbox: Sandbox, shop: Sandbox, shopper: httpx.Client
) -> None:
    sandbox.store.db.execute("INSERT INTO vouchers VALUES ('BIG', 'fixed', 5000, 'Big')")
    start(shopper)
    shopper.post("items/9001-1")

    totals = shopper.post("vouchers", json={"voucher": "BIG"}).json()["selection"]["totals"]

    assert totals["totalDiscountPrice"] == "-300.00 SEK"
    assert totals["grandTotalPrice"] == "49.00 SEK"


def test_invalid_voucher_is_404_and_removing_one_not_applied_is_200(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    before = selection_of(shop, shopper)

    unknown = shopper.post("vouchers", json={"voucher": "NOPE"})
    unknown_delete = shopper.delete("vouchers/NOPE")
    missing = shopper.post("vouchers", json={"voucher": 10})
    malformed = shopper.post(
        "vouchers", content=b'{"voucher": ', headers={"Content-Type": "application/json"}
    )
    not_applied = shopper.delete("vouchers/SAVE100")

    assert unknown.status_code == 404
    assert unknown.json()["errors"] == {"voucher": "not found"}
    assert unknown_delete.status_code == 404
    assert unknown_delete.json()["errors"] == {"voucher": "not found"}
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"voucher": "required"}
    assert malformed.status_code == 400
    assert malformed.json()["errors"] == {"body": "malformed JSON"}
    assert not_applied.status_code == 200
    assert not_applied.json()["selection"]["discounts"]["vouchers"] == []
    assert selection_of(shop, shopper) == before


# -- payment fields ----------------------------------------------------------------------------


def test_payment_fields_are_stored_on_the_selection(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)

    body = shopper.put(
        "payment-fields",
        json={
            "address": {**ADDRESS, "country": "se", "newsletter": True, "unknown": "ignored"},
            "shippingAddress": {"firstName": "Grace", "country": "SE"},
            "termsAndConditions": True,
            "additionalNotes": "Leave at the door",
        },
    ).json()

    assert body["selection"]["address"] == {
        **{k: "" for k in ("company", "address2", "state", "phoneNumber", "vatNumber")},
        **ADDRESS,
    }
    assert body["selection"]["shippingAddress"]["firstName"] == "Grace"
    assert body["selection"]["additionalNotes"] == "Leave at the door"
    stored = selection_of(shop, shopper)["selection"]
    assert json.loads(stored["extra"]) == {
        "newsletter": True,
        "termsAndConditions": True,
        "additionalNotes": "Leave at the door",
    }


def test_input_only_fields_are_stored_but_not_echoed(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    house = {"houseNumber": "12", "houseExtension": "b"}

    body = shopper.put(
        "payment-fields",
        json={
            "address": {**ADDRESS, **house, "identityNumber": "19000101-0000"},
            "shippingAddress": {**house, "identityNumber": "ignored", "country": "SE"},
        },
    ).json()

    stored = selection_of(shop, shopper)["selection"]
    assert json.loads(stored["address"])["identityNumber"] == "19000101-0000"
    assert json.loads(stored["shipping_address"]) == {**house, "country": "SE"}
    for where in ("address", "shippingAddress"):
        assert not {"houseNumber", "houseExtension", "identityNumber"} & set(
            body["selection"][where]
        )


@pytest.mark.parametrize(
    ("payload", "status", "errors"),
    [
        ({"address": "x"}, 400, {"address": "must be an object"}),
        ({"address": {"email": 5}}, 400, {"address.email": "must be a string"}),
        ({"address": {"newsletter": "yes"}}, 400, {"address.newsletter": "must be a boolean"}),
        ({"shippingAddress": []}, 400, {"shippingAddress": "must be an object"}),
        ({"newsletter": 1}, 400, {"newsletter": "must be a boolean"}),
        (
            {"address": {"firstName": "A" * 256, "city": "B" * 300}},
            406,
            {
                "address.firstName": "must be at most 255 characters",
                "address.city": "must be at most 255 characters",
            },
        ),
        (
            {"additionalNotes": "n" * 2001},
            406,
            {"additionalNotes": "must be at most 2000 characters"},
        ),
    ],
)
def test_bad_payment_fields_are_refused_and_change_nothing(
    shop: Sandbox, shopper: httpx.Client, payload: dict, status: int, errors: dict
) -> None:
    start(shopper)
    shopper.put("payment-fields", json={"address": ADDRESS})
    before = selection_of(shop, shopper)

    response = shopper.put("payment-fields", json=payload)

    assert response.status_code == status
    assert response.json()["errors"] == errors
    assert selection_of(shop, shopper) == before


# -- PUT selection (shared secret) -------------------------------------------------------------


def test_server_sets_market_pricelist_country_and_language(
    shop: Sandbox, server: httpx.Client
) -> None:
    first = server.put("selection", json={"country": "SE"}).json()
    server.headers["API-token"] = first["token"]
    server.post("items/9001-1")

    body = server.put("selection", json={"market": 3, "pricelist": 4, "language": "de"}).json()

    assert body["token"] == first["token"]
    assert body["location"]["country"] == "SE"
    assert body["location"]["market"] == 3
    assert body["location"]["pricelist"] == 4
    assert body["selection"]["language"] == "de"
    assert body["selection"]["items"][0]["priceEach"] == "240.00 SEK"


def test_put_selection_without_the_secret_ignores_the_fields(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    before = selection_of(shop, shopper)

    response = shopper.put("selection", json={"market": 3, "pricelist": 4, "country": "US"})

    assert response.status_code == 200
    assert response.json()["location"]["market"] == 1
    assert response.json()["location"]["pricelist"] == 1
    assert selection_of(shop, shopper) == before


@pytest.mark.parametrize(
    ("payload", "status", "errors"),
    [
        ({"market": 99}, 404, {"market": "not found"}),
        ({"pricelist": 99}, 404, {"pricelist": "not found"}),
        ({"country": "XX"}, 404, {"country": "not found"}),
        ({"language": "xx"}, 404, {"language": "not found"}),
        ({"market": "3"}, 400, {"market": "must be an integer"}),
        ({"pricelist": True}, 400, {"pricelist": "must be an integer"}),
        ({"country": ["SE"]}, 400, {"country": "must be a string"}),
        ({"country": "SE", "pricelist": 99}, 404, {"pricelist": "not found"}),
    ],
)
def test_put_selection_refuses_bad_values_and_changes_nothing(
    shop: Sandbox, server: httpx.Client, payload: dict, status: int, errors: dict
) -> None:
    server.headers["API-token"] = server.put("selection", json={"country": "DK"}).json()["token"]
    server.post("items/9001-1")
    before = selection_of(shop, server)

    response = server.put("selection", json=payload)

    assert response.status_code == status
    assert response.json()["errors"] == errors
    assert selection_of(shop, server) == before


def test_server_attaches_a_token_to_a_known_selection(
    shop: Sandbox, shopper: httpx.Client, server: httpx.Client
) -> None:
    start(shopper)
    shopper.post("items/9001-1")
    selection_id = selection_of(shop, shopper)["selection"]["id"]

    body = server.put(f"selection/{selection_id}").json()
    server.headers["API-token"] = body["token"]

    assert item_lines(body) == [("9001-1", 1)]
    assert item_lines(server.get("selection").json()) == [("9001-1", 1)]


def test_attaching_needs_the_secret_and_a_selection_that_is_not_an_order(
    shop: Sandbox, shopper: httpx.Client, server: httpx.Client
) -> None:
    start(shopper)
    selection_id = selection_of(shop, shopper)["selection"]["id"]
    shop.store.db.execute(
        "UPDATE selections SET order_number = '1001' WHERE id = ?", (selection_id,)
    )

    without_secret = shopper.put(f"selection/{selection_id}")
    ordered = server.put(f"selection/{selection_id}")
    unknown = server.put("selection/" + "0" * 32)

    assert without_secret.status_code == 401
    assert ordered.status_code == 404
    assert ordered.json()["errors"] == {"selection": "not found"}
    assert unknown.status_code == 404
