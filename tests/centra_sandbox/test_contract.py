"""The sandbox against Centra's Checkout API contract: every Checkout API route it serves, called
over HTTP in-process, answers the documented field names, nesting and JSON types.

Each model of the API is a schema below: a dict of field -> type or nested schema. Extra fields
are allowed (Centra adds fields without notice), missing or mistyped ones fail, and ``ABSENT``
marks fields Centra's documentation says must not be there. Tests are grouped by area of the
API; ``@covers`` names the routes a test exercises, a fixture checks each named route really
was called, and ``test_every_served_route_has_a_contract_test`` fails when a route is served
without a contract test (or a test names a route that is not served).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest

from centra_sandbox import Sandbox
from centra_sandbox import routes as _routes  # noqa: F401 - registers every route
from centra_sandbox.http import api
from centra_sandbox.webhooks_out import wait_for_webhooks
from tests.centra_sandbox.factories import (
    ADDRESS,
    FAILED_PAGE,
    RETURN_PAGE,
    add_known_products,
    forms_in,
    order_count,
    start,
)

# -- schema checking ---------------------------------------------------------------------------


class Opt:
    """A field that may be absent; when present it must match ``schema``."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()  # a field that must not be there


class Either:
    """Any one of the schemas."""

    def __init__(self, *schemas: Any) -> None:
        self.schemas = schemas

    def __repr__(self) -> str:
        return " | ".join(_describe(s) for s in self.schemas)


class Exactly:
    """One of these values, of the same JSON type (``False`` is not ``0``, ``[]`` is not ``{}``)."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def __repr__(self) -> str:
        return " | ".join(json.dumps(v) for v in self.values)


class Matches:
    """A string matching a regular expression in full."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def __repr__(self) -> str:
        return f"string /{self.pattern.pattern}/"


class MapOf:
    """An object with any keys (matching ``keys`` when given), every value matching ``values``."""

    def __init__(self, values: Any, keys: str | None = None) -> None:
        self.values = values
        self.keys = re.compile(keys) if keys else None

    def __repr__(self) -> str:
        return f"map of {_describe(self.values)}"


class Number:
    """A JSON number (int or float, never a boolean)."""

    def __repr__(self) -> str:
        return "number"


NUMBER = Number()
ANY = object


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _describe(schema: Any) -> str:
    names = {str: "string", int: "integer", bool: "boolean", dict: "object", list: "array"}
    if schema is None:
        return "null"
    if isinstance(schema, type):
        return names.get(schema, schema.__name__)
    if isinstance(schema, dict):
        return "object"
    if isinstance(schema, list):
        return f"array of {_describe(schema[0])}"
    return repr(schema)


def _matches_type(value: Any, schema: Any) -> bool:
    if schema is ANY:
        return True
    if schema is None:
        return value is None
    if schema is bool:
        return isinstance(value, bool)
    if schema is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, schema)


def problems(value: Any, schema: Any, path: str = "$") -> list[str]:
    """Every way ``value`` differs from ``schema``, as ``path: expected ..., got ...`` lines."""
    got = f"got {_json_type(value)} {json.dumps(value, ensure_ascii=False)[:80]}"
    if isinstance(schema, Either):
        for option in schema.schemas:
            if not problems(value, option, path):
                return []
        return [f"{path}: expected {schema!r}, {got}"]
    if isinstance(schema, Exactly):
        if any(type(value) is type(v) and value == v for v in schema.values):
            return []
        return [f"{path}: expected {schema!r}, {got}"]
    if isinstance(schema, Matches):
        if isinstance(value, str) and schema.pattern.fullmatch(value):
            return []
        return [f"{path}: expected {schema!r}, {got}"]
    if isinstance(schema, Number):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return []
        return [f"{path}: expected number, {got}"]
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{path}: expected {_describe(schema)}, {got}"]
        found = []
        for index, entry in enumerate(value):
            found += problems(entry, schema[0], f"{path}[{index}]")
        return found
    if isinstance(schema, MapOf):
        if not isinstance(value, dict):
            return [f"{path}: expected {schema!r}, {got}"]
        found = []
        for key, entry in value.items():
            if schema.keys and not schema.keys.fullmatch(key):
                found.append(f"{path}: unexpected key {key!r}")
            found += problems(entry, schema.values, f"{path}.{key}")
        return found
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected object, {got}"]
        found = []
        for key, field_schema in schema.items():
            where = f"{path}.{key}"
            if field_schema is ABSENT:
                if key in value:
                    found.append(f"{where}: must be absent, got {_json_type(value[key])}")
            elif isinstance(field_schema, Opt):
                if key in value:
                    found += problems(value[key], field_schema.schema, where)
            elif key not in value:
                found.append(f"{where}: missing (expected {_describe(field_schema)})")
            else:
                found += problems(value[key], field_schema, where)
        return found
    if _matches_type(value, schema):
        return []
    return [f"{path}: expected {_describe(schema)}, {got}"]


def assert_shape(value: Any, schema: Any) -> None:
    found = problems(value, schema)
    assert not found, "does not match the contract:\n" + "\n".join(found)


def answers(response: httpx.Response, status: int, schema: Any) -> dict[str, Any]:
    """Assert the route answered ``status`` with a JSON body of this shape; returns the body."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_shape(body, schema)
    return body


def answers_error(
    response: httpx.Response, status: int, errors: dict[str, str], exact: bool = False
) -> dict[str, Any]:
    """An error in Centra's format: the status, ``token`` and an ``errors`` map holding
    the documented entries (only them when ``exact``)."""
    body = answers(response, status, ERROR)
    if exact:
        assert body["errors"] == errors
    else:
        assert errors.items() <= body["errors"].items(), body["errors"]
    return body


def money(name: str) -> dict[str, Any]:
    """Money: a formatted string beside its ``AsNumber``."""
    return {name: str, f"{name}AsNumber": NUMBER}


def money_or_false(name: str) -> dict[str, Any]:
    """A money pair that is ``false`` (both fields) where the reference says so."""
    return {name: Either(str, Exactly(False)), f"{name}AsNumber": Either(NUMBER, Exactly(False))}


# -- the models of the API ---------------------------------------------------------------------

TOKEN = Matches(r"\S+")
ID = Matches(r"[0-9]+")  # ids are strings
ITEM_ID = Matches(r"[0-9]+-[0-9]+")
LINE_ID = Matches(r"[0-9a-f]{32}")
DATETIME = Matches(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
COUNTRY_CODE = Matches(r"[A-Z]{2}")

ERROR = {"token": TOKEN, "errors": MapOf(str)}

LANGUAGE = {"language": str, "name": str, "default": bool}
CURRENCY = {
    "currency": str,
    "name": str,
    "prefix": str,
    "suffix": str,
    "decimalPoint": str,
    "decimalDigits": Matches(r"[0-9]+"),
    "thousandsSeparator": str,
    "denominator": int,
    "uri": str,
}
COUNTRY_SHIPPABLE = {
    "country": COUNTRY_CODE,
    "name": str,
    "eu": bool,
    "language": str,
    "currency": str,
    "states": Opt([{"state": str, "name": str}]),
}
COUNTRY_AUTHORIZED = {**COUNTRY_SHIPPABLE, "shipTo": bool, "market": ID, "pricelist": ID}
MARKET = {"market": ID, "name": str, "default": bool}
PRICELIST = {"pricelist": ID, "name": str, "default": bool, "currency": CURRENCY}

CATEGORY = {
    "category": ID,
    "name": [str],
    "uri": str,
    "inCategory": Opt(ID),
    "metaKeywords": str,
    "metaTitle": str,
    "metaDescription": str,
}
PRODUCT_CATEGORY = {
    "category": ID,
    "name": [str],
    "uri": str,
    "sortOrder": int,
    "pathIds": Opt([ID]),
}
BRAND = {
    "brand": ID,
    "uri": str,
    "name": str,
    "metaKeywords": str,
    "metaTitle": str,
    "metaDescription": str,
}
COLLECTION = {"collection": ID, "uri": str, "name": str}
# CMS through routing (project decisions): typed blocks; unknown types render as nothing.
CMS_PARTS = {
    "text": {"type": str, "html": str},
    "image": {"type": str, "url": str, "alt": str},
    "products": {"type": str, "products": [ID]},
}
CMS_ARTICLE = {
    "article": ID,
    "uri": str,
    "title": str,
    "metaTitle": str,
    "metaDescription": str,
    "parts": [{"type": str}],
}
MEASUREMENT_CHART = {
    "unit": str,
    "contents": [{"content": str, "x": int, "y": int}],
    "x": list,
    "y": list,
}
ITEM_TABLE = {
    "x": [str],
    "y": [str],
    "dividerSymbol": Exactly("x", "/"),
    "unit": Opt(str),
    "original": Opt({"x": [str], "y": [str]}),
    "desc": Opt(str),
}
STOCK = Either(Exactly("yes", "no", "few", "preorder", "infinite"), int)
ITEM = {
    "item": ITEM_ID,
    "sizeId": str,
    "name": str,
    "ean": str,
    "upc": Opt(str),
    "sku": str,
    "itemTableX": int,
    "itemTableY": int,
    "stock": STOCK,
}
# ``price`` is null when the pricelist has no price; its AsNumber then too.
PRICE_FIELDS = {
    "price": Either(str, None),
    "priceAsNumber": Either(NUMBER, None),
    "priceBeforeDiscount": Either(str, None),
    "priceBeforeDiscountAsNumber": Either(NUMBER, None),
    "discountPercent": int,
    "showAsOnSale": bool,
    "showAsNew": bool,
}
SUBSCRIPTION_PLAN = {
    "subscriptionPlan": int,
    "name": str,
    "intervalValue": int,
    "intervalType": Exactly("day", "week", "month", "year"),
    "discountPercent": NUMBER,
    "shippingType": str,
    "status": str,
}
# In one pricelist a plan also has its price, before and after the plan's discount (null when
# the product has no price there).
PRICED_SUBSCRIPTION_PLAN = {
    **SUBSCRIPTION_PLAN,
    "price": Either(str, None),
    "priceAsNumber": Either(NUMBER, None),
    "priceAfterDiscount": Either(str, None),
    "priceAfterDiscountAsNumber": Either(NUMBER, None),
}
TABLE_MAPPING = {
    "unit": str,
    "x": Either(MapOf(str), [str]),
    "y": list,
    "dividerSymbol": ANY,
    "countries": [COUNTRY_CODE],
}
PRODUCT_BASE = {
    "product": ID,
    "name": str,
    "uri": str,
    "sku": str,
    "productSku": str,
    "brand": str,
    "brandName": str,
    "brandUri": str,
    "collection": str,
    "collectionName": str,
    "collectionUri": str,
    "variantName": str,
    "countryOrigin": str,
    "excerpt": str,
    "excerptHtml": str,
    "description": str,
    "descriptionHtml": str,
    "metaTitle": str,
    "metaDescription": str,
    "metaKeywords": str,
    "stockUnit": str,
    "category": str,
    "categoryName": [str],  # always an array since v2.69
    "categoryUri": str,
    "categories": [PRODUCT_CATEGORY],  # the array form, not an object keyed by id
    "centraProduct": ID,
    "centraVariant": ID,
    "createdAt": DATETIME,
    "modifiedAt": DATETIME,
    "itemQuantityMinimum": int,
    "itemQuantityMultipleOf": int,
    "itemTable": ITEM_TABLE,
    "tableMappings": MapOf(TABLE_MAPPING),  # localized size charts, {} when there are none
    "defaultLocalizedChart": str,
    "items": [ITEM],
    "media": Either(MapOf([str]), Exactly([])),
    "preview": bool,
    # Always in the single-product view, in list results unless "measurementChart": false.
    "measurementChart": Opt(MEASUREMENT_CHART),
    "subscriptionPlans": [SUBSCRIPTION_PLAN],
}
LOWEST_PRICE = {
    "periodDays": int,
    **money("price"),
    **money("priceBeforeDiscount"),
}
PRICED_PRODUCT = {
    **PRODUCT_BASE,
    **PRICE_FIELDS,
    "lowestPrice": [LOWEST_PRICE],
    "subscriptionPlans": [PRICED_SUBSCRIPTION_PLAN],
}
RELATED_SMALL = {
    "product": ID,
    "available": bool,
    "media": Either(MapOf([str]), Exactly([])),
    "relation": str,
}
PRODUCT = {
    **PRICED_PRODUCT,
    "available": bool,
    "relatedProducts": Opt([Either({**PRICED_PRODUCT, "relation": str}, RELATED_SMALL)]),
}
# In a selection item: a Product minus available/prices/markets/relatedProducts.
EMBEDDED_PRODUCT = {
    **PRICED_PRODUCT,
    "available": ABSENT,
    "prices": ABSENT,
    "markets": ABSENT,
    "relatedProducts": ABSENT,
}
FILTER = {
    "field": str,
    "values": [
        {"value": str, "count": int, "totalCount": int, "filterCount": Opt(int), "data": dict}
    ],
}
FILTER_DATA = {
    "brands": {"brand": ID, "brandName": str},
    "categories": CATEGORY,
    "collections": {"collection": ID, "collectionName": str},
}
PRODUCT_LIST = {"token": TOKEN, "products": [PRODUCT], "productCount": int, "filter": [FILTER]}

ITEM_VOUCHER = {"voucher": str, **money("priceOff"), "hasAffectedItemPrice": bool}
SELECTION_ITEM = {
    "item": ITEM_ID,
    "productUrl": Either(str, None),
    "category": Either(str, None),
    "size": str,
    "localizedSize": Either(str, None),
    "sku": str,
    "ean": str,
    "upc": str,
    "quantity": int,
    "comment": Either(str, None),
    "line": LINE_ID,
    **money("priceEach"),
    **money("totalPrice"),
    **money("priceEachBeforeDiscount"),
    "anyDiscount": bool,
    "discounts": {"vouchers": [ITEM_VOUCHER], "automaticDiscounts": Either(list, None)},
    "taxPercent": NUMBER,
    **money("priceEachWithoutTax"),
    **money("priceEachReduction"),
    **money("totalPriceBeforeDiscount"),
    "product": EMBEDDED_PRODUCT,
}
VOUCHER = {
    "voucher": str,
    "type": Exactly("code", "uri", "other"),
    "description": str,
    **money("priceOff"),
    "expiryDate": Either(DATETIME, None),
    "lines": [LINE_ID],
    **money("shippingDiscount"),
    "attributes": Either(dict, list),
}
DISCOUNTS = {
    "anyDiscount": bool,
    **money("discount"),
    "automaticDiscounts": [{"name": str, **money("priceOff")}],
    "vouchers": [VOUCHER],
}
TOTALS = {
    **money("itemsTotalPrice"),
    **money_or_false("totalDiscountPrice"),
    **money("shippingPrice"),
    **money("handlingCostPrice"),
    "handlingCostAddedToShippingPrice": Opt(bool),
    "totalQuantity": int,
    **money_or_false("taxDeducted"),
    **money_or_false("taxAdded"),
    "taxPercent": NUMBER,
    **money("grandTotalPrice"),
    **money("grandTotalPriceTax"),
}
ADDRESS_FIELDS = (
    "email",
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "zipCode",
    "city",
    "state",
    "country",
    "phoneNumber",
)
BILLING_ADDRESS = {**dict.fromkeys(ADDRESS_FIELDS, str), "vatNumber": str}
# The shipping address has no vatNumber/identityNumber/newsletter.
SHIPPING_ADDRESS = {
    **dict.fromkeys(ADDRESS_FIELDS, str),
    "vatNumber": ABSENT,
    "identityNumber": ABSENT,
    "newsletter": ABSENT,
}
SELECTION = {
    "language": Either(str, None),
    "currency": Matches(r"[A-Z]{3}"),
    "paymentMethod": str,
    "paymentMethodName": str,
    "shippingMethod": str,
    "shippingMethodName": str,
    "items": [SELECTION_ITEM],
    "discounts": DISCOUNTS,
    "totals": TOTALS,
    "vatExempt": bool,
    "address": BILLING_ADDRESS,
    "shippingAddress": SHIPPING_ADDRESS,
    "additionalNotes": str,
    "currencyFormat": CURRENCY,
    "pluginFields": Opt(dict),
    "centraCheckoutScript": Opt(str),
}
FIELD = {"type": Exactly("string", "boolean"), "required": bool, "visible": bool}
PAYMENT_FIELDS = {
    "termsAndConditions": FIELD,
    "address": MapOf(FIELD),
    "shippingAddress": MapOf(FIELD),
}
PAYMENT_METHOD = {
    "paymentMethod": str,
    "name": str,
    **money("handlingCost"),
    "paymentMethodType": str,
    "supportsInitiateOnly": bool,
    "providesCustomerAddressAfterPayment": bool,
    "clientSide": Opt({"externalScript": str}),
    "addressRequiredFields": Opt([str]),
}
SHIPPING_METHOD = {"shippingMethod": str, "name": str, **money("price")}
LOCATION = {
    "country": Either(COUNTRY_CODE, None),
    "name": str,
    "state": Either(str, None),
    "stateName": Either(str, None),
    "eu": bool,
    "shipTo": bool,
    "market": int,
    "pricelist": int,
    "language": LANGUAGE,  # an object since v2.69
}
LOGGED_IN = {
    "customer": ID,
    "email": str,
    "firstName": str,
    "lastName": str,
    "gender": str,
    "address1": str,
    "address2": str,
    "zipCode": str,
    "city": str,
    "state": str,
    "country": str,
    "phoneNumber": str,
    "language": Either(str, None),
    "newsletter": bool,
    "consents": Opt([dict]),
}
UNAVAILABLE = {
    "item": ITEM_ID,
    "product": ID,
    "originalQuantity": int,
    "unavailable": int,
    "available": int,
}
SELECTION_RESPONSE = {
    "token": TOKEN,
    "selection": SELECTION,
    "languages": [LANGUAGE],
    "paymentMethods": [PAYMENT_METHOD],
    "paymentFields": PAYMENT_FIELDS,
    "shippingMethods": [SHIPPING_METHOD],
    "countries": [COUNTRY_SHIPPABLE],
    "location": LOCATION,
    "loggedIn": Opt(LOGGED_IN),
    "unavailable": Opt([UNAVAILABLE]),
    # Renamed in v2.69: the language list is ``languages``, market/pricelist sit in ``location``.
    "language": ABSENT,
    "market": ABSENT,
    "pricelist": ABSENT,
    "errors": ABSENT,
}
LOGGED_IN_RESPONSE = {**SELECTION_RESPONSE, "loggedIn": LOGGED_IN}
LOGGED_OUT_RESPONSE = {**SELECTION_RESPONSE, "loggedIn": ABSENT}

ORDER_ADDRESS = {**BILLING_ADDRESS, "countryName": str}
ORDER_SHIPPING_ADDRESS = {**SHIPPING_ADDRESS, "countryName": str}
ORDER_ITEM = {**SELECTION_ITEM, "storePickup": bool, "brandName": str, "productName": str}
ORDER = {
    "order": ID,
    "status": Exactly("untouched", "progress", "ok", "archived", "failed"),
    "statusDescription": Exactly(
        "Pending", "Confirmed", "Processing", "Completed", "Archived", "Cancelled", "Incomplete"
    ),
    "date": DATETIME,
    "affiliateHtml": str,
    "language": Either(str, None),
    "currency": Matches(r"[A-Z]{3}"),
    "paymentMethod": str,
    "paymentMethodName": str,
    "shippingMethod": str,
    "shippingMethodName": str,
    "items": [ORDER_ITEM],
    "discounts": DISCOUNTS,
    "totals": TOTALS,
    "vatExempt": bool,
    "address": ORDER_ADDRESS,
    "shippingAddress": ORDER_SHIPPING_ADDRESS,
    "giftMessage": Opt(str),
    "additionalNotes": str,
    "currencyFormat": CURRENCY,
    "paymentMethodData": Either(dict, list),
    # Removed in v2.69 from newly created orders.
    "message": ABSENT,
    "shipments": ABSENT,
}
SHIPMENT = {
    "shipmentId": str,
    "shippedDate": str,
    "carrier": str,
    "service": str,
    "trackingId": str,
    "trackingUrl": str,
    "returnSlipTracking": str,
    "additionalMessage": str,
}
LISTED_ORDER = {**ORDER, "shipments": [SHIPMENT]}
ORDER_RESPONSE = {
    "token": TOKEN,
    "order": ORDER,
    "languages": [LANGUAGE],
    "countries": [COUNTRY_SHIPPABLE],
    "location": LOCATION,
    "loggedIn": Opt(LOGGED_IN),
    "selection": ABSENT,
}
REDIRECT_ACTION = {"token": TOKEN, "action": Exactly("redirect"), "url": Matches(r"https?://\S+")}
FORM_ACTION = {
    "token": TOKEN,
    "action": Exactly("form"),
    "formHtml": str,
    "formType": Opt(str),
    "formFields": MapOf(ANY),
    "formUrl": Opt(str),
}
SUCCESS_ACTION = {**ORDER_RESPONSE, "action": Exactly("success")}
STOCK_GONE = {
    **SELECTION_RESPONSE,
    "errors": {"stock": Exactly("unavailable items")},
    "unavailable": [UNAVAILABLE],
}
PAYMENT_FAILED = {**ERROR, "messages": [str], "message": Opt(str), "code": Opt(str)}
JAVASCRIPT_ACTION = {
    "token": TOKEN,
    "action": Exactly("javascript"),
    "formType": str,
    "formFields": {"action": dict},
    "code": str,
}
# What a widget puts in its centra_checkout_payment_callback event.
WIDGET_CALLBACK_DETAIL = (
    "paymentMethod",
    "paymentMethodSpecificFields",
    "responseEventRequired",
    "addressIncluded",
    "billingAddress",
    "shippingAddress",
)


# -- route coverage ----------------------------------------------------------------------------

COVERED: set[str] = set()


def covers(*route_names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Name the Checkout API routes (``"METHOD pattern"``) a contract test exercises."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        test.covers = route_names  # type: ignore[attr-defined]
        COVERED.update(route_names)
        return test

    return mark


@pytest.fixture(autouse=True)
def _named_routes_are_called(request: pytest.FixtureRequest) -> Iterator[None]:
    route_names = getattr(request.function, "covers", ())
    if not route_names:
        yield
        return
    sandbox: Sandbox = request.getfixturevalue("sandbox")
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        return  # the test's own failure says more
    missed = [name for name in route_names if not sandbox.request_counts[name]]
    assert not missed, f"the test names routes it never called: {missed}"


def test_every_served_route_has_a_contract_test() -> None:
    served = {route.name for route in api.routes}

    assert served - COVERED == set(), "routes served without a contract test"
    assert COVERED - served == set(), "contract tests name routes the sandbox does not serve"


# -- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def shop(sandbox: Sandbox) -> Sandbox:
    """The demo sandbox plus the known products (9001-9003, ``factories.KNOWN_PRODUCTS``)."""
    add_known_products(sandbox.store)
    return sandbox


def line_of(body: dict[str, Any], item: str) -> str:
    return next(i["line"] for i in body["selection"]["items"] if i["item"] == item)


def checkout_body(method: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "paymentMethod": method,
        "paymentReturnPage": RETURN_PAGE,
        "paymentFailedPage": FAILED_PAGE,
        "termsAndConditions": True,
        "address": ADDRESS,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def cart(client: httpx.Client, item: str = "9001-1", quantity: int = 2) -> dict[str, Any]:
    start(client, "SE")
    return answers(client.post(f"items/{item}/quantity/{quantity}"), 200, SELECTION_RESPONSE)


def form_parameters(response: httpx.Response) -> dict[str, str]:
    """What the return page receives from a form payment: its query and posted fields."""
    form = forms_in(response.json()["formHtml"])[0]
    query = {k: v[0] for k, v in parse_qs(httpx.URL(form["action"]).query.decode()).items()}
    return {**query, **form["fields"]}


def register(client: httpx.Client, email: str = "ada@example.com") -> dict[str, Any]:
    start(client, "SE")
    response = client.post(
        "register", json={"email": email, "password": "secret-1", "firstName": "Ada"}
    )
    return answers(response, 200, LOGGED_IN_RESPONSE)


def place_direct_order(client: httpx.Client) -> dict[str, Any]:
    cart(client)
    response = client.post("payment", json=checkout_body("sandbox-direct"))
    return answers(response, 200, SUCCESS_ACTION)["order"]


# == conventions: tokens, errors, headers ======================================================


@covers("GET selection")
def test_every_answer_carries_the_session_token_errors_included(shopper: httpx.Client) -> None:
    body = answers(shopper.get("selection"), 200, SELECTION_RESPONSE)
    error = answers_error(shopper.post("items/1-1"), 404, {"item": "product item not found"})

    assert error["token"] == body["token"]


@covers("GET countries")
def test_api_token_none_answers_without_a_token(shopper: httpx.Client) -> None:
    body = answers(
        shopper.get("countries", headers={"API-token": "none"}),
        200,
        {"countries": [COUNTRY_SHIPPABLE], "token": Opt(None)},
    )

    assert body.get("token") is None


@covers("GET selection")
def test_an_unknown_or_expired_token_gets_a_new_one(shopper: httpx.Client) -> None:
    body = answers(
        shopper.get("selection", headers={"API-token": "not-a-token"}), 200, SELECTION_RESPONSE
    )

    assert body["token"] != "not-a-token"


@covers("GET selection")
def test_token_in_the_accept_header_keeps_the_session(shopper: httpx.Client) -> None:
    token = answers(shopper.get("selection"), 200, SELECTION_RESPONSE)["token"]
    del shopper.headers["API-token"]

    body = answers(
        shopper.get("selection", headers={"Accept": f"*/*; api-token={token}"}),
        200,
        SELECTION_RESPONSE,
    )

    assert body["token"] == token


@covers("GET languages")
def test_correlation_id_is_echoed_and_pretty_indents(shopper: httpx.Client) -> None:
    response = shopper.get("languages?pretty", headers={"X-Correlation-ID": "c-42"})

    answers(response, 200, {"token": TOKEN, "languages": [LANGUAGE]})
    assert response.headers["X-Correlation-ID"] == "c-42"
    assert "\n  " in response.text


@covers("POST products")
def test_a_post_without_a_body_is_allowed(shopper: httpx.Client) -> None:
    everything = answers(shopper.post("products"), 200, PRODUCT_LIST)

    assert everything["productCount"] == len(everything["products"])


@covers("GET selection")
def test_rate_limit_answers_429_with_retry_after_seconds(
    shopper: httpx.Client, control: httpx.Client
) -> None:
    rule = {"route": "GET selection", "status": 429, "retry_after": 2, "count": 1}
    assert control.put("faults", json={"errors": [rule]}).status_code == 200

    limited = shopper.get("selection")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert_shape(limited.json(), {"errors": MapOf(str)})
    answers(shopper.get("selection"), 200, SELECTION_RESPONSE)


# == general settings ==========================================================================


@covers("GET countries")
def test_countries_lists_the_shippable_ones(shopper: httpx.Client) -> None:
    body = answers(
        shopper.get("countries"), 200, {"token": TOKEN, "countries": [COUNTRY_SHIPPABLE]}
    )

    countries = {c["country"]: c for c in body["countries"]}
    assert "CH" not in countries  # not shippable
    assert "shipTo" not in countries["SE"]
    assert_shape(countries["US"], {**COUNTRY_SHIPPABLE, "states": [{"state": str, "name": str}]})
    assert "states" not in countries["SE"]  # only countries with states have them


@covers("GET countries/all")
def test_all_countries_need_the_secret_and_add_ship_to_market_and_pricelist(
    server: httpx.Client, shopper: httpx.Client
) -> None:
    body = answers(server.get("countries/all"), 200, {"countries": [COUNTRY_AUTHORIZED]})

    countries = {c["country"]: c for c in body["countries"]}
    assert countries["CH"]["shipTo"] is False
    assert countries["SE"]["shipTo"] is True
    assert shopper.get("countries/all").status_code >= 400
    assert_shape(shopper.get("countries/all").json(), ERROR)


@covers("GET countries", "GET countries/all", "GET selection")
def test_countries_with_states_carry_them_in_every_country_list(
    server: httpx.Client, shopper: httpx.Client
) -> None:
    with_states = {**COUNTRY_SHIPPABLE, "states": [{"state": str, "name": str}]}

    lists = {
        "countries": answers(shopper.get("countries"), 200, {"countries": [COUNTRY_SHIPPABLE]}),
        "countries/all": answers(server.get("countries/all"), 200, {"countries": [dict]}),
        "selection": answers(shopper.get("selection"), 200, SELECTION_RESPONSE),
    }

    for where, body in lists.items():
        countries = {c["country"]: c for c in body["countries"]}
        assert {code for code, c in countries.items() if "states" in c} == {"US", "CA"}, where
        for code in ("US", "CA"):
            assert_shape(countries[code], with_states)
        us_states = {s["state"] for s in countries["US"]["states"]}
        assert len(us_states) == 51, where  # the fifty states and the District of Columbia
        assert {"CA", "NY", "OH", "DC"} <= us_states
        assert {"ON", "QC", "BC"} <= {s["state"] for s in countries["CA"]["states"]}


@covers("GET languages")
def test_languages_sorted_by_name(shopper: httpx.Client) -> None:
    body = answers(shopper.get("languages"), 200, {"token": TOKEN, "languages": [LANGUAGE]})

    names = [language["name"] for language in body["languages"]]
    assert names == sorted(names)
    assert sum(language["default"] for language in body["languages"]) == 1


@covers("GET markets")
def test_markets_with_the_secret(server: httpx.Client) -> None:
    body = answers(server.get("markets"), 200, {"token": Opt(TOKEN), "markets": [MARKET]})

    assert sum(market["default"] for market in body["markets"]) == 1


@covers("GET pricelists")
def test_pricelists_with_their_currency(server: httpx.Client) -> None:
    body = answers(server.get("pricelists"), 200, {"token": TOKEN, "pricelists": [PRICELIST]})

    assert {p["currency"]["currency"] for p in body["pricelists"]} >= {"SEK", "EUR", "USD"}


@covers("PUT countries/{country}")
def test_country_change_answers_the_selection_in_that_country(shopper: httpx.Client) -> None:
    body = answers(shopper.put("countries/SE", json={"language": "en"}), 200, SELECTION_RESPONSE)

    assert body["location"]["country"] == "SE"
    assert body["location"]["shipTo"] is True
    assert body["location"]["language"]["language"] == "en"
    assert body["selection"]["shippingMethod"] != ""  # set once the country is shippable
    answers_error(shopper.put("countries/XX"), 404, {"country": "not found"})


@covers("PUT countries/{country}")
def test_country_change_reprices_and_drops_what_is_not_sold_there(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper, "SE")
    shopper.post("items/9001-1")
    shopper.post("items/9003-1")  # no EUR price

    body = answers(shopper.put("countries/DE"), 200, SELECTION_RESPONSE)

    assert [i["item"] for i in body["selection"]["items"]] == ["9001-1"]
    assert body["selection"]["currency"] == "EUR"
    assert body["selection"]["items"][0]["priceEachAsNumber"] == 30
    assert body["location"]["pricelist"] == 2


@covers("PUT countries/{country}/states/{state}")
def test_country_and_state(shopper: httpx.Client) -> None:
    body = answers(shopper.put("countries/us/states/ca"), 200, SELECTION_RESPONSE)

    location = body["location"]
    assert (location["country"], location["state"]) == ("US", "CA")
    assert location["stateName"] == "California"
    assert body["selection"]["currency"] == "USD"
    assert body["selection"]["totals"]["taxAdded"] is not None


@covers("PUT languages/{language}")
def test_language_change(shopper: httpx.Client) -> None:
    body = answers(shopper.put("languages/sv"), 200, SELECTION_RESPONSE)

    assert body["location"]["language"] == {"language": "sv", "name": "Swedish", "default": False}
    assert body["selection"]["language"] == "sv"


# == product catalog ===========================================================================


@covers("POST products")
def test_products_list_products_count_and_filter(shopper: httpx.Client) -> None:
    body = answers(shopper.post("products", json={"limit": 5}), 200, PRODUCT_LIST)

    assert len(body["products"]) == 5
    assert body["productCount"] > 5  # the count ignores paging
    fields = {facet["field"]: facet for facet in body["filter"]}
    assert {"brands", "categories", "collections"} <= set(fields)
    for field, data in FILTER_DATA.items():
        for value in fields[field]["values"]:
            assert_shape(value["data"], data)
            assert value["count"] == value["totalCount"]  # no filter applied


@covers("POST products")
def test_products_without_a_price_are_listed_with_price_null(
    shopper: httpx.Client, control: httpx.Client
) -> None:
    assert control.put("products/101", json={"prices": {"1": None}}).status_code == 200

    body = answers(shopper.post("products", json={"products": [101]}), 200, PRODUCT_LIST)

    [product] = body["products"]
    assert product["price"] is None
    assert product["available"] is False


@covers("POST products")
def test_related_products_small_form_and_full_form(shopper: httpx.Client) -> None:
    small = answers(shopper.post("products", json={}), 200, PRODUCT_LIST)
    full = answers(shopper.post("products", json={"relatedProducts": True}), 200, PRODUCT_LIST)

    related = [r for p in small["products"] for r in p.get("relatedProducts", [])]
    assert related, "the demo catalog has no related products"
    for entry in related:
        assert_shape(entry, RELATED_SMALL)
        assert entry["relation"] == "variant"
    related = [r for p in full["products"] for r in p.get("relatedProducts", [])]
    for entry in related:
        assert_shape(entry, {**PRICED_PRODUCT, "relation": str})


@covers("POST products")
def test_full_related_products_carry_their_own_relations_in_the_short_form(
    shopper: httpx.Client,
) -> None:
    full_related = {
        **PRICED_PRODUCT,
        "relation": str,
        "relatedProducts": [{**RELATED_SMALL, "relation": Exactly("variant")}],
    }

    body = answers(
        shopper.post("products", json={"products": [115], "relatedProducts": True}),
        200,
        {**PRODUCT_LIST, "products": [{**PRODUCT, "relatedProducts": [full_related]}]},
    )

    # 115, 116 and 117 are one product in three colours: each variant names the other two.
    [product] = body["products"]
    variants = {r["product"]: r for r in product["relatedProducts"] if r["relation"] == "variant"}
    assert set(variants) == {"116", "117"}
    assert {r["product"] for r in variants["116"]["relatedProducts"]} == {"115", "117"}


@covers("POST products")
def test_all_pricelists_and_markets_with_the_secret(server: httpx.Client) -> None:
    body = answers(
        server.post("products", json={"limit": 3, "pricelist": "all", "market": "all"}),
        200,
        {
            **PRODUCT_LIST,
            "products": [
                {
                    **PRODUCT_BASE,
                    "prices": MapOf(PRICE_FIELDS, keys=r"[0-9]+"),
                    "markets": [int],
                    "price": ABSENT,
                    "priceAsNumber": ABSENT,
                }
            ],
        },
    )

    assert body["products"]


@covers("POST products", "POST uri")
def test_preview_needs_the_secret_and_flags_unpublished_content(
    sandbox: Sandbox, server: httpx.Client, shopper: httpx.Client
) -> None:
    inactive = sandbox.store.one("SELECT id FROM products WHERE active = 0 ORDER BY id")[0]
    query = {"products": [inactive], "preview": True}
    article = {"uri": "summer-preview", "for": ["cmsArticle"], "preview": True}

    body = answers(server.post("products", json=query), 200, PRODUCT_LIST)
    hidden = answers(shopper.post("products", json=query), 200, PRODUCT_LIST)
    previewed = answers(
        server.post("uri", json=article),
        200,
        {"found": Exactly("cmsArticle"), "cmsArticle": {**CMS_ARTICLE, "preview": Exactly(True)}},
    )

    [product] = body["products"]
    assert product["preview"] is True
    assert hidden["products"] == []
    assert previewed["cmsArticle"]["uri"] == "summer-preview"
    answers_error(shopper.post("uri", json=article), 404, {"uri": "not found"}, exact=True)


@covers("POST products", "POST items/{item}")
def test_every_documented_product_field_is_present_even_when_empty(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    # Every demo plan offered on a known product, for known prices.
    shop.store.db.execute(
        "INSERT INTO product_subscription_plans (product_id, plan_id) "
        "SELECT 9001, id FROM subscription_plans"
    )
    start(shopper, "SE")

    listed = answers(shopper.post("products", json={}), 200, PRODUCT_LIST)
    in_cart = answers(shopper.post("items/9001-1"), 200, SELECTION_RESPONSE)

    products = {p["product"]: p for p in listed["products"]}
    assert [pid for pid, p in products.items() if p["subscriptionPlans"] and pid != "9001"], (
        "no demo product has subscription plans"
    )
    assert [p for p in products.values() if not p["subscriptionPlans"]]  # [] when there are none
    assert {
        (p["defaultLocalizedChart"], json.dumps(p["tableMappings"])) for p in products.values()
    } == {("", "{}")}
    plans = products["9001"]["subscriptionPlans"]
    monthly = next(
        plan for plan in plans if (plan["intervalValue"], plan["intervalType"]) == (1, "month")
    )
    # 300 SEK, less the plan's discount.
    expected = 300 * (100 - monthly["discountPercent"]) / 100
    assert (monthly["price"], monthly["priceAfterDiscountAsNumber"]) == ("300.00 SEK", expected)
    [item] = in_cart["selection"]["items"]
    assert item["product"]["subscriptionPlans"] == plans


@covers("GET products/{product}")
def test_single_product(shopper: httpx.Client) -> None:
    body = answers(shopper.get("products/101"), 200, {"token": TOKEN, "product": PRODUCT})

    assert body["product"]["product"] == "101"
    answers_error(shopper.get("products/99999999"), 404, {"product": "not found"})


def test_single_product_has_a_measurement_chart(shopper: httpx.Client) -> None:
    product = shopper.get("products/101").json()["product"]

    assert_shape(product, {"measurementChart": MEASUREMENT_CHART})


def test_products_have_an_item_table(shopper: httpx.Client) -> None:
    product = shopper.get("products/101").json()["product"]

    assert_shape(
        product,
        {"itemTable": ITEM_TABLE, "items": [ITEM]},
    )


@covers("GET categories")
def test_categories_in_admin_order_with_full_paths(shopper: httpx.Client) -> None:
    body = answers(shopper.get("categories"), 200, {"token": TOKEN, "categories": [CATEGORY]})

    children = [c for c in body["categories"] if "inCategory" in c]
    assert children, "the demo catalog has no subcategories"
    by_id = {c["category"]: c for c in body["categories"]}
    for child in children:
        parent = by_id[child["inCategory"]]
        assert child["name"][: len(parent["name"])] == parent["name"]
        assert child["uri"].startswith(parent["uri"] + "/")


@covers("POST categories")
def test_categories_for_a_context_with_the_secret(server: httpx.Client) -> None:
    body = {"market": 1, "pricelist": 2, "language": "de"}

    answers(server.post("categories", json=body), 200, {"token": TOKEN, "categories": [CATEGORY]})


@covers("PUT selection", "POST products", "POST uri", "POST categories")
@pytest.mark.parametrize("empty", ["", None], ids=repr)
def test_empty_selectors_fall_back_to_the_session(
    shop: Sandbox, server: httpx.Client, empty: str | None
) -> None:
    session = answers(server.put("selection", json={"country": "DE"}), 200, SELECTION_RESPONSE)
    server.headers["API-token"] = session["token"]
    blank = {"language": empty, "market": empty, "pricelist": empty}

    listed = server.post("products", json={**blank, "products": [9001]})
    routed = server.post("uri", json={**blank, "uri": "test-9001", "for": ["product"]})
    categories = server.post("categories", json=blank)
    kept = server.put("selection", json={**blank, "country": empty})

    [product] = answers(listed, 200, PRODUCT_LIST)["products"]
    assert (product["name"], product["priceAsNumber"]) == ("Test product 9001 (de)", 30)
    assert answers(routed, 200, {"found": Exactly("product"), "product": PRODUCT})["product"][
        "name"
    ] == ("Test product 9001 (de)")
    [first, *_] = answers(categories, 200, {"token": TOKEN, "categories": [CATEGORY]})["categories"]
    assert first["name"] == ["Damen"]
    location = answers(kept, 200, SELECTION_RESPONSE)["location"]
    assert (location["country"], location["pricelist"], location["language"]["language"]) == (
        "DE",
        2,
        "de",
    )


@covers("POST products")
def test_empty_selectors_without_a_session_are_the_store_defaults(
    shop: Sandbox, server: httpx.Client
) -> None:
    blank = {"language": "", "market": "", "pricelist": "", "products": [9001]}

    listed = server.post("products", json=blank, headers={"API-token": "none"})

    [product] = answers(listed, 200, {**PRODUCT_LIST, "token": Opt(None)})["products"]
    assert (product["name"], product["price"]) == ("Test product 9001 (en)", "300.00 SEK")


@covers("GET brands")
def test_brands(shopper: httpx.Client) -> None:
    body = answers(shopper.get("brands"), 200, {"token": TOKEN, "brands": [BRAND]})

    assert body["brands"]


@covers("GET collections")
def test_collections(shopper: httpx.Client) -> None:
    body = answers(shopper.get("collections"), 200, {"token": TOKEN, "collections": [COLLECTION]})

    assert body["collections"]


# == routing ===================================================================================


@covers("POST uri")
def test_uri_resolves_to_a_product(shopper: httpx.Client) -> None:
    uri = shopper.get("products/101").json()["product"]["uri"]

    body = answers(
        shopper.post("uri", json={"uri": uri, "for": ["product", "category"]}),
        200,
        {"token": TOKEN, "found": Exactly("product"), "product": PRODUCT},
    )

    assert body["product"]["product"] == "101"
    with_slash = shopper.post("uri", json={"uri": f"/{uri}", "for": ["product"]})
    assert answers(with_slash, 200, {"found": Exactly("product"), "product": PRODUCT})


@covers("POST uri")
def test_uri_of_a_product_answers_the_category_too(shopper: httpx.Client) -> None:
    product = shopper.get("products/101").json()["product"]
    other = next(c for c in product["categories"] if c["uri"] != product["categoryUri"])
    found = {"token": TOKEN, "found": Exactly("product"), "product": PRODUCT, "category": CATEGORY}

    plain = shopper.post("uri", json={"uri": product["uri"], "for": ["product"]})
    under = shopper.post(
        "uri", json={"uri": f"{other['uri']}/{product['uri']}", "for": ["product"]}
    )

    # Without a category in the path: the product's canonical category.
    assert answers(plain, 200, found)["category"]["uri"] == product["categoryUri"]
    # With one: the category the path names.
    assert answers(under, 200, found)["category"]["category"] == other["category"]


@covers("POST uri")
def test_uri_resolves_to_a_category_with_its_products(shopper: httpx.Client) -> None:
    category = shopper.get("categories").json()["categories"][0]

    body = answers(
        shopper.post(
            "uri", json={"uri": category["uri"], "for": ["category"], "limit": 2, "skipFirst": 0}
        ),
        200,
        {**PRODUCT_LIST, "found": Exactly("category"), "category": CATEGORY},
    )

    assert body["category"]["category"] == category["category"]
    assert len(body["products"]) <= 2


@covers("POST uri")
def test_uri_resolves_to_a_cms_article_of_typed_blocks(shopper: httpx.Client) -> None:
    body = answers(
        shopper.post("uri", json={"uri": "", "for": ["cmsArticle"]}),
        200,
        {"token": TOKEN, "found": Exactly("cmsArticle"), "cmsArticle": CMS_ARTICLE},
    )

    parts = body["cmsArticle"]["parts"]
    assert {part["type"] for part in parts} == set(CMS_PARTS)
    for part in parts:
        assert_shape(part, CMS_PARTS[part["type"]])


@covers("POST uri")
def test_uri_not_found_is_404_with_the_documented_body(shopper: httpx.Client) -> None:
    product_uri = shopper.get("products/101").json()["product"]["uri"]

    missing = shopper.post("uri", json={"uri": "no/such/page", "for": ["product", "category"]})
    not_asked = shopper.post("uri", json={"uri": product_uri, "for": ["category"]})

    for response in (missing, not_asked):
        body = answers_error(response, 404, {"uri": "not found"}, exact=True)
        assert set(body) == {"token", "errors"}


# == cart, items and lines =====================================================================


@covers("POST items/{item}")
def test_add_item_merges_into_the_same_line(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    first = answers(shopper.post("items/9001-1"), 200, SELECTION_RESPONSE)
    second = answers(shopper.post("items/9001-1"), 200, SELECTION_RESPONSE)

    [item] = second["selection"]["items"]
    assert item["quantity"] == 2
    assert item["line"] == line_of(first, "9001-1")
    assert item["product"]["product"] == "9001"
    assert second["selection"]["totals"]["totalQuantity"] == 2
    answers_error(shopper.post("items/123-456"), 404, {"item": "product item not found"})


@covers("POST items/{item}/quantity/{quantity}")
def test_add_quantity_with_partial_and_full_stock_shortage(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper)
    # 9001-2 has 2 in stock: asking 5 is capped (partial, 200), asking more then is 410.
    partial = answers(shopper.post("items/9001-2/quantity/5"), 200, SELECTION_RESPONSE)
    gone = answers(
        shopper.post("items/9001-2/quantity/1"),
        410,
        {
            "token": TOKEN,
            "errors": {"stock": Exactly("unavailable items")},
            "unavailable": [UNAVAILABLE],
        },
    )

    assert partial["unavailable"] == [
        {
            "item": "9001-2",
            "product": "9001",
            "originalQuantity": 5,
            "unavailable": 3,
            "available": 2,
        }
    ]
    assert gone["unavailable"][0]["available"] == 2


@covers("PUT items")
def test_bulk_update_lines_and_items(shop: Sandbox, shopper: httpx.Client) -> None:
    body = cart(shopper)
    line = line_of(body, "9001-1")

    updated = answers(
        shopper.put(
            "items",
            json={
                "lines": [{"line": line, "quantity": 3}],
                "items": [{"item": "9002-1", "quantity": 1}],
            },
        ),
        200,
        SELECTION_RESPONSE,
    )
    partly = shopper.put(
        "items",
        json={
            "lines": [{"line": line, "quantity": 3}],
            "items": [{"item": "9001-3", "quantity": 1}],
        },
    )

    assert [(i["item"], i["quantity"]) for i in updated["selection"]["items"]] == [
        ("9001-1", 3),
        ("9002-1", 1),
    ]
    # Partial success is 200 with the failed operations listed in ``errors``.
    failed = answers(
        partly,
        200,
        {**SELECTION_RESPONSE, "errors": MapOf(str), "unavailable": [UNAVAILABLE]},
    )
    assert failed["errors"]
    answers_error(
        shopper.put("items", json={"items": [{"item": "123-456", "quantity": 1}]}), 404, {}
    )


@covers("POST lines/{line}", "POST lines/{line}/quantity/{quantity}")
def test_increase_a_line(shop: Sandbox, shopper: httpx.Client) -> None:
    line = line_of(cart(shopper, quantity=1), "9001-1")

    plus_one = answers(shopper.post(f"lines/{line}"), 200, SELECTION_RESPONSE)
    plus_two = answers(shopper.post(f"lines/{line}/quantity/2"), 200, SELECTION_RESPONSE)

    assert plus_one["selection"]["items"][0]["quantity"] == 2
    assert plus_two["selection"]["items"][0]["quantity"] == 4
    assert plus_two["selection"]["items"][0]["line"] == line
    answers_error(shopper.post(f"lines/{'0' * 32}"), 404, {"line": "not found"})


@covers("PUT lines/{line}/quantity/{quantity}")
def test_set_a_line(shop: Sandbox, shopper: httpx.Client) -> None:
    line = line_of(cart(shopper), "9001-1")

    body = answers(shopper.put(f"lines/{line}/quantity/5"), 200, SELECTION_RESPONSE)

    assert body["selection"]["items"][0]["quantity"] == 5


@covers("DELETE lines/{line}/quantity/{quantity}", "DELETE lines/{line}")
def test_decrease_and_remove_a_line(shop: Sandbox, shopper: httpx.Client) -> None:
    line = line_of(cart(shopper, quantity=3), "9001-1")

    decreased = answers(shopper.delete(f"lines/{line}/quantity/1"), 200, SELECTION_RESPONSE)
    removed = answers(shopper.delete(f"lines/{line}"), 200, SELECTION_RESPONSE)

    assert decreased["selection"]["items"][0]["quantity"] == 2
    assert removed["selection"]["items"] == []
    assert removed["selection"]["totals"]["totalQuantity"] == 0


# == the selection =============================================================================


@covers("GET selection")
def test_new_selection_envelope(shopper: httpx.Client) -> None:
    body = answers(shopper.get("selection"), 200, SELECTION_RESPONSE)

    selection = body["selection"]
    assert body["location"]["country"] is None  # no GeoIP in the sandbox
    assert body["location"]["shipTo"] is False
    assert body["shippingMethods"] == []
    assert selection["shippingMethod"] == ""
    assert selection["totals"]["totalDiscountPrice"] is False
    assert selection["totals"]["totalDiscountPriceAsNumber"] is False
    assert set(selection["address"].values()) == {""}  # empty address fields are ""
    required = {k for k, f in body["paymentFields"]["address"].items() if f["required"]}
    assert required >= {"country", "email"}
    assert body["paymentFields"]["termsAndConditions"]["type"] == "boolean"


@covers("GET selection")
def test_payment_fields_list_every_documented_address_field(shopper: httpx.Client) -> None:
    common = (*ADDRESS_FIELDS, "houseNumber", "houseExtension")
    billing_only = ("vatNumber", "identityNumber", "newsletter")
    input_only = ("identityNumber", "houseNumber", "houseExtension")

    fields = answers(shopper.get("selection"), 200, SELECTION_RESPONSE)["paymentFields"]

    assert set(fields["address"]) == {*common, *billing_only}
    assert set(fields["shippingAddress"]) == set(common)
    assert fields["address"]["newsletter"]["type"] == "boolean"
    for where in ("address", "shippingAddress"):
        for name, field in fields[where].items():
            # The demo plugin shows every field but the input-only ones.
            assert field["visible"] is (name not in input_only), f"{where}.{name}"
    assert {n for n, f in fields["address"].items() if f["required"]} == {"email", "country"}
    assert not [n for n, f in fields["shippingAddress"].items() if f["required"]]


@covers("GET selection")
def test_selection_item_totals_and_tax(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    body = answers(shopper.get("selection"), 200, SELECTION_RESPONSE)

    totals = body["selection"]["totals"]
    assert totals["taxDeducted"] is False
    assert totals["taxAdded"] is False  # Sweden: tax included
    assert totals["taxAddedAsNumber"] is False
    assert isinstance(totals["grandTotalPriceTaxAsNumber"], int | float)
    [item] = body["selection"]["items"]
    assert item["anyDiscount"] is True  # 300 instead of 400


@covers("GET countries", "PUT countries/{country}", "POST items/{item}", "POST payment")
def test_totals_carry_tax_added_and_tax_deducted_in_every_market(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    not_added = {"taxAdded": Exactly(False), "taxAddedAsNumber": Exactly(False)}
    added = {**money("taxAdded"), "taxAddedAsNumber": Either(int, float)}
    not_deducted = {"taxDeducted": Exactly(False), "taxDeductedAsNumber": Exactly(False)}
    countries = shopper.get("countries").json()["countries"]
    shop.store.db.execute("UPDATE items SET stock = 100 WHERE id = '9001-1'")  # an order each
    orders = []

    for country in countries:
        empty = answers(shopper.put(f"countries/{country['country']}"), 200, SELECTION_RESPONSE)
        filled = answers(shopper.post("items/9001-1"), 200, SELECTION_RESPONSE)
        for body in (empty, filled):
            totals = body["selection"]["totals"]
            # Prices include the tax in Europe; North American tax is added on top.
            assert_shape(
                totals,
                {
                    **not_deducted,
                    **(added if body["selection"]["currency"] == "USD" else not_added),
                },
            )
        address = {**ADDRESS, "country": country["country"]}
        paid = shopper.post("payment", json=checkout_body("sandbox-direct", address=address))
        orders.append(answers(paid, 200, SUCCESS_ACTION)["order"])

    assert {o["currency"] for o in orders} == {"SEK", "EUR", "USD"}
    for order in orders:
        expected = added if order["currency"] == "USD" else not_added
        assert_shape(order["totals"], {**not_deducted, **expected})


@covers("PUT countries/{country}/states/{state}")
def test_tax_exclusive_country_adds_tax(shop: Sandbox, shopper: httpx.Client) -> None:
    shopper.put("countries/US/states/CA")
    shopper.post("items/9001-1")

    body = answers(shopper.put("countries/US/states/CA"), 200, SELECTION_RESPONSE)

    totals = body["selection"]["totals"]
    assert isinstance(totals["taxAdded"], str)
    assert totals["taxAddedAsNumber"] > 0


@covers("PUT selection")
def test_server_sets_market_and_pricelist(shop: Sandbox, server: httpx.Client) -> None:
    body = answers(
        server.put("selection", json={"country": "SE", "market": 3, "pricelist": 4}),
        200,
        SELECTION_RESPONSE,
    )

    assert (body["location"]["market"], body["location"]["pricelist"]) == (3, 4)


@covers("PUT selection/{selection}")
def test_server_attaches_a_token_to_a_selection(
    shop: Sandbox, server: httpx.Client, shopper: httpx.Client
) -> None:
    cart(shopper)
    selection_id = shop.store.one(
        "SELECT selection_id FROM sessions WHERE token = ?", (shopper.headers["API-token"],)
    )[0]

    body = answers(server.put(f"selection/{selection_id}"), 200, SELECTION_RESPONSE)

    assert [i["item"] for i in body["selection"]["items"]] == ["9001-1"]
    answers_error(server.put(f"selection/{'0' * 32}"), 404, {"selection": "not found"})
    shopper.post("payment", json=checkout_body("sandbox-direct"))
    # A selection that became an order is "not found" (since v2.69).
    answers_error(server.put(f"selection/{selection_id}"), 404, {"selection": "not found"})


@covers("PUT shipping-methods/{shippingMethod}")
def test_shipping_method(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    body = answers(shopper.put("shipping-methods/express"), 200, SELECTION_RESPONSE)

    assert body["selection"]["shippingMethod"] == "express"
    assert "express" in {m["shippingMethod"] for m in body["shippingMethods"]}
    answers_error(shopper.put("shipping-methods/teleport"), 404, {"shippingMethod": "not found"})


@covers("PUT payment-methods/{paymentMethod}")
def test_payment_method_and_invalid_one_answers_only_errors(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    body = answers(shopper.put("payment-methods/sandbox-form"), 200, SELECTION_RESPONSE)
    invalid = answers_error(
        shopper.put("payment-methods/nope"), 404, {"paymentMethod": "not found"}, exact=True
    )

    assert body["selection"]["paymentMethod"] == "sandbox-form"
    assert set(invalid) == {"token", "errors"}  # since v2.69, no selection


@covers("POST vouchers")
def test_voucher_shows_in_discounts_and_totals(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    body = answers(shopper.post("vouchers", json={"voucher": "WELCOME10"}), 200, SELECTION_RESPONSE)
    invalid = answers_error(
        shopper.post("vouchers", json={"voucher": "NOPE"}), 404, {"voucher": "not found"}
    )

    discounts = body["selection"]["discounts"]
    assert discounts["anyDiscount"] is True
    assert [v["voucher"] for v in discounts["vouchers"]] == ["WELCOME10"]
    assert discounts["vouchers"][0]["lines"] == [line_of(body, "9001-1")]
    totals = body["selection"]["totals"]
    assert isinstance(totals["totalDiscountPrice"], str)
    assert totals["totalDiscountPriceAsNumber"] < 0
    assert "selection" not in invalid


@covers("DELETE vouchers/{voucher}")
def test_remove_voucher_url_encoded(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    shopper.post("vouchers", json={"voucher": "TEST+CODE"})

    removed = answers(
        shopper.delete(f"vouchers/{quote('TEST+CODE', safe='')}"), 200, SELECTION_RESPONSE
    )
    not_applied = shopper.delete("vouchers/SAVE100")

    assert removed["selection"]["discounts"]["vouchers"] == []
    answers(not_applied, 200, SELECTION_RESPONSE)  # an existing voucher not applied: still 200
    answers_error(shopper.delete("vouchers/NOPE"), 404, {"voucher": "not found"})


@covers("DELETE vouchers")
def test_remove_voucher_legacy_body(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    shopper.post("vouchers", json={"voucher": "SAVE100"})

    body = answers(
        shopper.request("DELETE", "vouchers", json={"voucher": "SAVE100"}), 200, SELECTION_RESPONSE
    )

    assert body["selection"]["discounts"]["vouchers"] == []


@covers("PUT payment-fields")
def test_payment_fields_fill_the_addresses(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    body = answers(
        shopper.put(
            "payment-fields",
            json={
                "address": {**ADDRESS, "newsletter": True, "identityNumber": "19000101-0000"},
                "shippingAddress": {**ADDRESS, "firstName": "Grace"},
                "termsAndConditions": True,
                # What a widget's centra_checkout_callback event carries along.
                "additionalFields": {"event": "address", "suspendIgnore": {}},
            },
        ),
        200,
        SELECTION_RESPONSE,
    )

    assert body["selection"]["address"]["email"] == ADDRESS["email"]
    assert body["selection"]["shippingAddress"]["firstName"] == "Grace"
    assert "identityNumber" not in body["selection"]["address"]  # input only


# == payment ===================================================================================


@covers("POST payment")
def test_payment_redirect_action(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    answers(shopper.post("payment", json=checkout_body("sandbox-redirect")), 200, REDIRECT_ACTION)


@covers("POST payment")
def test_payment_form_action_posts_to_the_return_page(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    response = shopper.post("payment", json=checkout_body("sandbox-form"))
    body = answers(response, 200, FORM_ACTION)

    [form] = forms_in(body["formHtml"])
    assert form["method"].lower() == "post"
    assert form["action"].startswith(RETURN_PAGE + "?")
    assert form_parameters(response)["centraPaymentMethod"] == "sandbox-form"


@covers("POST payment")
def test_payment_success_action_holds_the_order(shop: Sandbox, shopper: httpx.Client) -> None:
    order = place_direct_order(shopper)

    assert order["status"] == "untouched"
    assert order["statusDescription"] == "Pending"
    assert order["address"]["countryName"] == "Sweden"


@covers("POST payment")
def test_zero_total_completes_directly(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    shopper.post("items/9003-1")  # 200 SEK
    shopper.put("shipping-methods/pickup")  # free
    shop.store.db.execute("INSERT INTO vouchers VALUES ('ALL', 'percent', 100, 'Everything')")
    shopper.post("vouchers", json={"voucher": "ALL"})

    body = answers(
        shopper.post("payment", json=checkout_body("sandbox-redirect")), 200, SUCCESS_ACTION
    )

    assert body["order"]["totals"]["grandTotalPriceAsNumber"] == 0


@covers("POST payment")
def test_payment_refusals_use_documented_keys(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    terms = shopper.post("payment", json=checkout_body("sandbox-form", termsAndConditions=False))
    email = shopper.post("payment", json=checkout_body("sandbox-form", address={"country": "SE"}))
    method = shopper.post("payment", json=checkout_body("nope"))

    answers_error(terms, 406, {"termsAndConditions": "must be true"})
    answers_error(email, 406, {"address.email": "required"})  # dotted keys
    body = answers_error(method, 404, {"paymentMethod": "not found"}, exact=True)
    assert set(body) == {"token", "errors"}


@covers("POST payment")
@pytest.mark.parametrize("accepted", [True, "true", 1, "1"], ids=repr)
def test_terms_accepted_as_json_or_as_a_posted_checkbox(
    shop: Sandbox, shopper: httpx.Client, accepted: Any
) -> None:
    cart(shopper)

    body = checkout_body("sandbox-redirect", termsAndConditions=accepted)

    answers(shopper.post("payment", json=body), 200, REDIRECT_ACTION)


@covers("POST payment", "PUT payment-fields")
@pytest.mark.parametrize("refused", [False, "false", 0, "0", "", None, "maybe", 2], ids=repr)
def test_terms_not_accepted_is_the_documented_error_never_a_type_error(
    shop: Sandbox, shopper: httpx.Client, refused: Any
) -> None:
    cart(shopper)
    # Missing (None drops the key) or any value that does not mean "accepted".
    stored = shopper.put("payment-fields", json={"termsAndConditions": refused})

    sent = shopper.post("payment", json=checkout_body("sandbox-form", termsAndConditions=refused))
    kept = shopper.post("payment", json=checkout_body("sandbox-form", termsAndConditions=None))

    answers(stored, 200, SELECTION_RESPONSE)
    for response in (sent, kept):
        answers_error(response, 406, {"termsAndConditions": "must be true"}, exact=True)


@covers("PUT countries/{country}", "POST payment")
def test_not_shippable_country_blocks_payment(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    body = answers(shopper.put("countries/CH"), 200, SELECTION_RESPONSE)
    refused = shopper.post(
        "payment", json=checkout_body("sandbox-form", address={**ADDRESS, "country": "CH"})
    )

    assert body["location"]["shipTo"] is False
    assert body["shippingMethods"] == []
    assert body["selection"]["shippingMethod"] == ""
    assert refused.status_code >= 400
    assert_shape(refused.json(), ERROR)


@covers("POST payment", "GET selection")
def test_payment_address_sets_the_country_of_a_selection_without_one(
    shop: Sandbox, server: httpx.Client
) -> None:
    # A server-side client: no GeoIP, so the selection starts without a country.
    fresh = answers(server.get("selection"), 200, SELECTION_RESPONSE)
    server.headers["API-token"] = fresh["token"]
    server.post("items/9001-1")

    paid = server.post("payment", json=checkout_body("sandbox-redirect"))

    assert fresh["location"]["country"] is None
    answers(paid, 200, REDIRECT_ACTION)
    location = answers(server.get("selection"), 200, SELECTION_RESPONSE)["location"]
    assert (location["country"], location["shipTo"]) == ("SE", True)


@covers("PUT countries/{country}", "POST payment")
def test_payment_address_state_sets_the_state_and_its_tax(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    start(shopper, "US")
    shopper.post("items/9001-1")
    address = {**ADDRESS, "country": "US", "state": "CA", "zipCode": "94103"}

    body = answers(
        shopper.post("payment", json=checkout_body("sandbox-direct", address=address)),
        200,
        SUCCESS_ACTION,
    )

    assert (body["location"]["state"], body["location"]["stateName"]) == ("CA", "California")
    totals = body["order"]["totals"]
    assert totals["taxPercent"] == 7.25
    # 40.00 + 5.90 shipping, 7.25 % on top: 3.33.
    assert (totals["taxAddedAsNumber"], totals["grandTotalPriceAsNumber"]) == (3.33, 49.23)


@covers("POST payment")
def test_payment_to_a_country_that_is_not_shippable_names_the_address_field(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    refused = shopper.post(
        "payment", json=checkout_body("sandbox-form", address={**ADDRESS, "country": "CH"})
    )

    answers_error(refused, 406, {"address.country": "not shippable"}, exact=True)


@covers("POST payment")
def test_stock_shortage_at_payment_is_410_with_the_corrected_selection(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper, quantity=5)
    shop.store.db.execute("UPDATE items SET stock = 3 WHERE id = '9001-1'")

    body = answers(shopper.post("payment", json=checkout_body("sandbox-form")), 410, STOCK_GONE)

    assert body["unavailable"] == [
        {
            "item": "9001-1",
            "product": "9001",
            "originalQuantity": 5,
            "unavailable": 2,
            "available": 3,
        }
    ]
    assert body["selection"]["items"][0]["quantity"] == 3


@covers("POST payment", "POST payment-result")
def test_payment_result_answers_the_order_once(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)
    fields = form_parameters(shopper.post("payment", json=checkout_body("sandbox-form")))

    first = answers(
        shopper.post("payment-result", json={"paymentMethodFields": fields}), 200, ORDER_RESPONSE
    )
    again = answers(
        shopper.post("payment-result", json={"paymentMethodFields": fields}), 200, ORDER_RESPONSE
    )

    assert again["order"] == first["order"]  # the same order, never a second one
    assert first["order"]["paymentMethod"] == "sandbox-form"
    assert [i["quantity"] for i in first["order"]["items"]] == [2]


@covers("POST payment", "POST payment-result")
def test_payment_result_failure_and_stock_cancellation(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    fields = form_parameters(shopper.post("payment", json=checkout_body("sandbox-form")))

    tampered = shopper.post(
        "payment-result", json={"paymentMethodFields": {**fields, "amount": "1.00"}}
    )
    shop.store.db.execute("UPDATE items SET stock = 1 WHERE id = '9001-1'")
    cancelled = shopper.post("payment-result", json={"paymentMethodFields": fields})

    failed = answers(tampered, 412, PAYMENT_FAILED)
    assert failed["errors"] == {"paymentMethod": "failed"}
    body = answers(
        cancelled,
        410,
        {
            **STOCK_GONE,
            "cancellation": {**money("grandTotalPrice"), "currency": Matches(r"[A-Z]{3}")},
        },
    )
    assert body["cancellation"]["currency"] == "SEK"


# -- the widget method (paymentInitiateOnly, the callback event, a 3-D Secure step) -----------

WIDGET = "sandbox-widget"
APPROVED_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"


def initiate_widget(client: httpx.Client) -> dict[str, Any]:
    body = {"paymentMethod": WIDGET, "paymentInitiateOnly": True, "address": {"country": "SE"}}
    return answers(client.post("payment", json=body), 200, FORM_ACTION)


def widget_callback(client: httpx.Client, card: str) -> dict[str, Any]:
    """The checkout's POST payment for the widget's event: its own address, the event's fields."""
    body = checkout_body(WIDGET, paymentMethodSpecificFields={"card": card})
    return answers(client.post("payment", json=body), 200, JAVASCRIPT_ACTION)


def challenge_step(action: dict[str, Any]) -> dict[str, str]:
    """Where the challenge's buttons send the browser: ``{amount, authenticated, cancelled}``."""
    match = re.search(r"var step = (\{.*?\});", action["code"])
    assert match is not None, action["code"]
    return json.loads(match[1])


def landing_parameters(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(httpx.URL(url).query.decode()).items()}


@covers("POST payment", "GET selection")
def test_widget_initiate_only_answers_a_self_contained_widget(
    shop: Sandbox, server: httpx.Client
) -> None:
    # A server-side session without a country: the widget's country comes with the call.
    server.headers["API-token"] = server.get("selection").json()["token"]
    server.post("items/9001-1/quantity/2")

    body = initiate_widget(server)

    assert body["formType"] == WIDGET
    assert body["formFields"] == {"paymentMethod": WIDGET, "amount": "649.00", "currency": "SEK"}
    widget = body["formHtml"]
    assert "centra_checkout_payment_callback" in widget
    for field in WIDGET_CALLBACK_DETAIL:
        assert f"{field}:" in widget
    assert {APPROVED_CARD, DECLINED_CARD} <= set(re.findall(r'value="(\d+)"', widget))
    # Nothing loaded from the network: no external script, style, image or frame.
    assert not re.search(r"\b(src|href)=|@import|url\(|fetch\(|XMLHttpRequest", widget)
    assert answers(server.get("selection"), 200, SELECTION_RESPONSE)["location"]["country"] == "SE"
    assert order_count(shop) == 0
    assert shop.store.one("SELECT COUNT(*) FROM payments")[0] == 0  # only a widget, no payment


@covers("POST payment")
def test_only_a_widget_method_can_be_initiated(shop: Sandbox, shopper: httpx.Client) -> None:
    cart(shopper)

    refused = shopper.post(
        "payment", json={**checkout_body("sandbox-redirect"), "paymentInitiateOnly": True}
    )
    no_country = shopper.post(
        "payment", json={"paymentMethod": WIDGET, "paymentInitiateOnly": True, "address": {}}
    )

    answers_error(refused, 406, {"paymentInitiateOnly": "not supported by this payment method"})
    answers_error(no_country, 406, {"address.country": "required"}, exact=True)


@covers("POST payment", "POST payment-result", "GET receipt")
def test_widget_callback_challenge_and_payment_result_make_one_order(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)
    initiate_widget(shopper)

    action = widget_callback(shopper, APPROVED_CARD)
    step = challenge_step(action)
    fields = landing_parameters(step["authenticated"])
    first = shopper.post("payment-result", json={"paymentMethodFields": fields})
    again = shopper.post("payment-result", json={"paymentMethodFields": fields})

    assert action["formType"] == WIDGET
    assert step["authenticated"].startswith(RETURN_PAGE + "?")
    assert step["cancelled"].startswith(FAILED_PAGE + "?")
    assert (fields["centraPaymentMethod"], fields["status"]) == (WIDGET, "approved")
    order = answers(first, 200, ORDER_RESPONSE)["order"]
    assert answers(again, 200, ORDER_RESPONSE)["order"] == order  # the same order, not another
    assert order["paymentMethod"] == WIDGET
    assert order_count(shop) == 1
    assert answers(shopper.get("receipt"), 200, ORDER_RESPONSE)["order"] == order


@covers("POST payment", "POST payment-result")
@pytest.mark.parametrize(
    ("card", "button"), [(DECLINED_CARD, "authenticated"), (APPROVED_CARD, "cancelled")]
)
def test_widget_decline_or_cancel_ends_on_the_failed_page_without_an_order(
    shop: Sandbox, shopper: httpx.Client, card: str, button: str
) -> None:
    cart(shopper)

    step = challenge_step(widget_callback(shopper, card))
    landed = step[button]
    result = shopper.post(
        "payment-result", json={"paymentMethodFields": landing_parameters(landed)}
    )

    assert landed.startswith(FAILED_PAGE + "?")
    assert landing_parameters(landed)["status"] == "declined"
    assert answers(result, 412, PAYMENT_FAILED)["errors"] == {"paymentMethod": "failed"}
    assert order_count(shop) == 0


@covers("POST payment")
def test_widget_without_its_callback_fields_answers_the_widget_and_bad_cards_are_refused(
    shop: Sandbox, shopper: httpx.Client
) -> None:
    cart(shopper)

    plain = shopper.post("payment", json=checkout_body(WIDGET))
    unknown = shopper.post(
        "payment", json=checkout_body(WIDGET, paymentMethodSpecificFields={"card": "1234"})
    )

    assert answers(plain, 200, FORM_ACTION)["formType"] == WIDGET
    answers_error(unknown, 406, {"paymentMethodSpecificFields.card": "not a sandbox test card"})
    assert shop.store.one("SELECT COUNT(*) FROM payments")[0] == 0


@covers("GET receipt")
def test_receipt_is_the_latest_order(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    answers_error(shopper.get("receipt"), 404, {})
    order = place_direct_order(shopper)

    body = answers(shopper.get("receipt"), 200, ORDER_RESPONSE)

    assert body["order"] == order


# == customers =================================================================================


@covers("POST register")
def test_register_logs_in_and_refuses_taken_emails_and_weak_passwords(
    shopper: httpx.Client,
) -> None:
    body = register(shopper)

    taken = shopper.post("register", json={"email": "ada@example.com", "password": "other-1"})
    weak = shopper.post("register", json={"email": "bob@example.com", "password": "x"})

    assert body["loggedIn"]["email"] == "ada@example.com"
    assert body["loggedIn"]["firstName"] == "Ada"
    answers_error(taken, 409, {"email": "already registered"})
    answers_error(weak, 406, {"password": "not valid"})


@covers("POST login/{email}", "POST logout")
def test_login_and_logout(shopper: httpx.Client) -> None:
    register(shopper)
    logged_out = answers(shopper.post("logout"), 200, LOGGED_OUT_RESPONSE)

    wrong = shopper.post("login/ada%40example.com", json={"password": "wrong"})
    unknown = shopper.post("login/nobody%40example.com", json={"password": "secret-1"})
    logged_in = answers(
        shopper.post("login/ada%40example.com", json={"password": "secret-1"}),
        200,
        LOGGED_IN_RESPONSE,
    )

    assert logged_out["selection"]["items"] == []
    answers_error(wrong, 406, {"password": "incorrect"}, exact=True)
    answers_error(unknown, 406, {"password": "incorrect"}, exact=True)  # same answer
    assert logged_in["loggedIn"]["email"] == "ada@example.com"


@covers("GET customer")
def test_customer_needs_a_login(shopper: httpx.Client) -> None:
    start(shopper)
    answers_error(shopper.get("customer"), 403, {"accessRight": "denied"}, exact=True)
    register(shopper)

    body = answers(shopper.get("customer"), 200, {"token": TOKEN, "loggedIn": LOGGED_IN})

    assert body["loggedIn"]["email"] == "ada@example.com"


@covers("PUT customer/update", "PUT address", "PUT email", "PUT password")
def test_customer_updates_answer_the_envelope_with_logged_in(shopper: httpx.Client) -> None:
    start(shopper)
    for method, path in (
        ("PUT", "customer/update"),
        ("PUT", "address"),
        ("PUT", "email"),
        ("PUT", "password"),
    ):
        denied = shopper.request(method, path, json={})
        answers_error(denied, 403, {"accessRight": "denied"}, exact=True)
    register(shopper)

    update = shopper.put("customer/update", json={"lastName": "Lovelace", "newsletter": True})
    address = shopper.put("address", json={"address1": "Storgatan 1", "city": "Stockholm"})
    email = shopper.put("email", json={"newEmail": "ada.l@example.com"})
    password = shopper.put("password", json={"password": "secret-1", "newPassword": "secret-2"})

    assert answers(update, 200, LOGGED_IN_RESPONSE)["loggedIn"]["newsletter"] is True
    assert answers(address, 200, LOGGED_IN_RESPONSE)["loggedIn"]["city"] == "Stockholm"
    assert answers(email, 200, LOGGED_IN_RESPONSE)["loggedIn"]["email"] == "ada.l@example.com"
    answers(password, 200, LOGGED_IN_RESPONSE)


@covers("POST orders")
def test_orders_list_with_paging_and_shipments(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    answers_error(shopper.post("orders"), 403, {"accessRight": "denied"}, exact=True)
    register(shopper)
    place_direct_order(shopper)

    body = answers(
        shopper.post("orders", json={"from": 0, "size": 10}),
        200,
        {
            "token": TOKEN,
            "orders": [LISTED_ORDER],
            "ordersPaging": {"from": int, "size": int, "totalSize": int},
            "languages": [LANGUAGE],
            "countries": [COUNTRY_SHIPPABLE],
            "loggedIn": LOGGED_IN,
            "location": LOCATION,
        },
    )

    assert body["ordersPaging"]["totalSize"] == 1
    assert len(body["orders"]) == 1


@covers("POST password-reset-email/{email}", "POST password-reset")
def test_password_reset(shopper: httpx.Client, control: httpx.Client) -> None:
    register(shopper)
    shopper.post("logout")

    asked = shopper.post(
        "password-reset-email/ada%40example.com", json={"linkUri": "account/password-reset"}
    )
    [mail] = control.get("outbox/emails").json()["emails"]
    link = parse_qs(httpx.URL(mail["link"]).query.decode())
    reset = shopper.post(
        "password-reset",
        json={"id": link["id"][0], "i": link["i"][0], "newPassword": "secret-2"},
    )
    used = shopper.post(
        "password-reset",
        json={"id": link["id"][0], "i": link["i"][0], "newPassword": "secret-3"},
    )

    answers(asked, 200, SELECTION_RESPONSE)
    assert mail["link"].startswith("http")
    assert answers(reset, 200, LOGGED_IN_RESPONSE)["loggedIn"]["email"] == "ada@example.com"
    answers_error(used, 406, {})


@covers("POST newsletter-subscription/{email}", "POST newsletter-subscription")
def test_newsletter_subscription(shopper: httpx.Client) -> None:
    subscribed = {"token": TOKEN, "subscribed": bool}

    by_path = answers(
        shopper.post("newsletter-subscription/ada%2Bnews%40example.com", json={"country": "SE"}),
        200,
        subscribed,
    )
    by_body = answers(
        shopper.post("newsletter-subscription", json={"email": "bob@example.com", "country": "SE"}),
        200,
        subscribed,
    )

    assert by_path["subscribed"] is True
    assert by_body["subscribed"] is True


WISHLIST_ITEM = {
    "wishlistItem": ID,
    "product": {"product": ID, "name": str, "uri": str},
    "createdAt": DATETIME,
}
WISHLIST = {
    "token": TOKEN,
    "wishlist": {"wishlist": Exactly(0), "isDefault": Exactly(True), "items": [WISHLIST_ITEM]},
}


@covers(
    "GET customer/wishlists/{wishlist}",
    "POST customer/wishlists/{wishlist}/items/{item}",
    "DELETE customer/wishlists/{wishlist}/items/{item}",
)
def test_wishlist_add_list_remove(shop: Sandbox, shopper: httpx.Client) -> None:
    start(shopper)
    answers_error(shopper.get("customer/wishlists/0"), 403, {"accessRight": "denied"}, exact=True)
    register(shopper)

    added = answers(shopper.post("customer/wishlists/0/items/9001"), 200, WISHLIST)
    listed = answers(shopper.get("customer/wishlists/0"), 200, WISHLIST)
    removed = answers(shopper.delete("customer/wishlists/0/items/9001"), 200, WISHLIST)

    assert [i["product"]["product"] for i in added["wishlist"]["items"]] == ["9001"]
    assert listed["wishlist"] == added["wishlist"]
    assert removed["wishlist"]["items"] == []
    answers_error(
        shopper.post("customer/wishlists/0/items/424242"),
        404,
        {"displayItem": "display item not found"},
        exact=True,
    )
    answers_error(shopper.get("customer/wishlists/1"), 404, {"wishlist": "not found"}, exact=True)


# == webhooks ==================================================================================


def test_catalog_webhook_is_a_signed_form_with_string_ids(
    sandbox: Sandbox, control: httpx.Client
) -> None:
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        request.read()
        received.append(request)
        return httpx.Response(200, json={})

    sandbox.config.webhook_url = "http://shop.test/centra/webhook"
    sandbox.config.webhook_secret = "whsec-contract"
    sandbox.config.webhook_transport = httpx.MockTransport(receiver)

    assert control.put("products/101", json={"names": {"en": "Renamed"}}).status_code == 200
    assert wait_for_webhooks(sandbox)

    [request] = received
    assert request.method == "POST"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    body = request.content.decode()
    assert list(parse_qs(body)) == ["payload"]
    payload = json.loads(parse_qs(body)["payload"][0])
    assert_shape(payload, MapOf([ID]))
    assert payload["products"] == ["101"]
    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", request.headers["X-Centra-Signature"])
    assert match is not None
    expected = hmac.new(
        b"whsec-contract", f"{match[1]}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(match[2], expected)
