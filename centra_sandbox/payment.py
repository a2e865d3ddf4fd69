"""Checkout API payment routes: ``POST payment``, ``POST payment-result``, ``GET receipt``, and the
order a paid selection becomes.

The demo methods behave like Centra's dummy plugins, by ``payment_methods.kind``:

- ``redirect`` answers ``{action: "redirect", url}`` to the hosted page (``hosted_payment``); its
  approve button sends the browser (303) to ``paymentReturnPage`` with the provider parameters,
  decline to ``paymentFailedPage``;
- ``form`` answers ``{action: "form", formHtml, formFields, formUrl}``: an auto-submitting POST
  form to ``paymentReturnPage?centraPaymentMethod=<method>`` carrying the provider parameters;
- ``direct`` completes at once: ``{action: "success", order, languages, countries, location,
  loggedIn?}``. So does any method when the grand total is 0, as Centra skips the provider for
  a free order
  (https://docs.centra.com/fe-development/payments/handling-0-payments);
- ``widget`` (``widget_payment``) is the only kind that takes ``paymentInitiateOnly``: it
  answers its widget (``action: "form"``) until a ``POST payment`` carries the widget's
  ``paymentMethodSpecificFields``, then a 3-D Secure step (``action: "javascript"``) that ends on
  the return or failed page.

Provider parameters (``payment_signing``) are ``centraPaymentMethod, payment, amount, currency,
status, signature``. ``payment-result`` creates the order only from parameters it issued,
for the token's own selection, while the payment is still open and its amount matches the
selection; anything else answers 412 ``{"errors": {"paymentMethod": "failed"}, "messages":
[...]}`` (the status the External Payment plugin documents for a failed result). Calling it again
for a paid payment returns the same order (200). A stock shortage at that point answers 410 with
``unavailable`` and ``cancellation`` and cuts the selection, as aggressive overselling prevention
does.

``POST payment`` first moves the selection to where the goods go (the shipping address's
country, else the billing one's, and its state): prices and taxes are fixed there, as after
``PUT countries/{c}/states/{s}``. It refuses, all in one 406 body: a destination that is not
shippable or unknown (``"address.country": "not shippable"``, or ``shippingAddress.country``),
an unknown state of a country with states (``address.state``), no items (``selection``), no
shipping method, missing or non-absolute return/failed pages, ``termsAndConditions`` not
accepted (``"must be true"``) and required address fields (``"address.email": "required"``); a
refusal also undoes the move. An unknown method is 404 ``{"paymentMethod": "not found"}``.
Accepted address fields are stored on the selection before the stock check, which answers 410
with ``unavailable`` and the envelope. Orders are numbered from 1001; their ``date`` is UTC.
"""

from __future__ import annotations

import hmac
import html
import json
import re
import secrets
import sqlite3
import time
from typing import Any
from urllib.parse import urlsplit

from centra_sandbox import accounts
from centra_sandbox.http import ApiError, Call, api
from centra_sandbox.money import currency_format
from centra_sandbox.payment_signing import SIGNED_FIELDS, provider_fields, signature, with_query
from centra_sandbox.selections.checkout_fields import (
    ADDRESS_FIELDS,
    REQUIRED_ADDRESS_FIELDS,
    SHIPPING_ADDRESS_FIELDS,
    clean_payment_fields,
)
from centra_sandbox.selections.envelope import context_json, selection_response, session_customer
from centra_sandbox.selections.lines import drop_unsellable_lines
from centra_sandbox.selections.location import move_to_destination
from centra_sandbox.selections.methods import effective_payment_method, find_payment_method
from centra_sandbox.selections.place import place_of
from centra_sandbox.selections.pricing import Priced, price_selection
from centra_sandbox.selections.records import fresh_selection, load_selection
from centra_sandbox.selections.selection_json import discounts_json, item_json, totals_json
from centra_sandbox.selections.stock import shortages_at_checkout
from centra_sandbox.widget_payment import (
    WIDGET_KIND,
    card_errors,
    challenge_action,
    payment_status_for,
    widget_form,
)

MAX_URL_LENGTH = 2048
# What a widget needs before it can be shown: the rest comes with its callback.
_NEEDED_TO_INITIATE = ("selection", "shippingMethod", "address.country")
FIRST_ORDER_NUMBER = 1001
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _amount_text(priced: Priced) -> str:
    return f"{priced.grand_total:.{priced.place.digits}f}"


# -- POST payment ------------------------------------------------------------------------------


def _page_url(body: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    value = body.get(name)
    if value is None or value == "":
        errors[name] = "required"
        return ""
    if not isinstance(value, str):
        raise ApiError(400, {name: "must be a string"})
    parts = urlsplit(value)
    if len(value) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
        errors[name] = "must be an absolute http or https URL"
    return value


def _checkout_errors(priced: Priced, address: dict[str, Any], extra: dict) -> dict[str, str]:
    """What the selection (already moved to the address's country) still lacks."""
    errors: dict[str, str] = {}
    if not priced.lines:
        errors["selection"] = "no items"
    if priced.place.ship_to and priced.shipping is None:
        errors["shippingMethod"] = "required"
    if extra.get("termsAndConditions") is not True:
        errors["termsAndConditions"] = "must be true"
    for name in REQUIRED_ADDRESS_FIELDS:
        if not address.get(name):
            errors[f"address.{name}"] = "required"
    if address.get("email") and not _EMAIL.match(address["email"]):
        errors["address.email"] = "not valid"
    return errors


@api.route("POST", "payment")
def start_payment(call: Call) -> tuple[int, dict[str, Any]] | dict[str, Any]:
    db = call.db
    selection_id = call.selection_id
    initiate_only = bool(call.body.get("paymentInitiateOnly"))
    method, pages = _accepted_checkout(call, selection_id, initiate_only)
    if initiate_only:
        # Only puts the widget on the page: never a payment, never an order.
        return widget_form(price_selection(db, selection_id), method["id"])
    # Lines the catalog stopped selling are not paid for, and not checked for stock.
    drop_unsellable_lines(db, selection_id, place_of(db, load_selection(db, selection_id)))
    unavailable = shortages_at_checkout(db, selection_id)
    if unavailable:
        return 410, {
            "errors": {"stock": "unavailable items"},
            "unavailable": unavailable,
            **selection_response(call),
        }

    _register_at_checkout(call, selection_id)
    priced = price_selection(db, selection_id)
    specific = call.body.get("paymentMethodSpecificFields")
    widget = method["kind"] == WIDGET_KIND and priced.grand_total != 0
    status = "pending"
    if widget:
        # A widget method starts with its widget; its callback comes back with the fields,
        # which _accepted_checkout has checked: an object when they are there at all.
        if not isinstance(specific, dict):
            return widget_form(priced, method["id"])
        status = payment_status_for(specific)
    payment = _record_payment(call, priced, method, *pages, status=status)
    if priced.grand_total == 0 or method["kind"] == "direct":
        order = place_order(call, priced, payment)
        return {"action": "success", "order": order, **_after_order_context(call)}
    if method["kind"] == "redirect":
        base = call.sandbox.public_url(call.request)
        return {"action": "redirect", "url": f"{base}/payment/{payment['id']}"}
    if widget:
        amount = priced.place.money("amount", priced.grand_total)["amount"]
        return challenge_action(call.sandbox, payment, amount)
    return _form_action(call, payment)


def _accepted_checkout(
    call: Call, selection_id: str, initiate_only: bool
) -> tuple[sqlite3.Row, tuple[str, str]]:
    """Validate the payment request against the selection and store its fields; returns the
    payment method and the (return, failed) pages. Refusals change nothing. Initiating a
    widget needs only the items, a shipping method and the address's country."""
    db, body = call.db, call.body
    sel = load_selection(db, selection_id)
    address, shipping_address, extra = clean_payment_fields(sel, body)
    method: sqlite3.Row | None
    if "paymentMethod" in body:
        method = find_payment_method(db, body["paymentMethod"])
    else:
        method = effective_payment_method(db, sel["payment_method"])
        if method is None:
            raise ApiError(404, {"paymentMethod": "not found"})
    if initiate_only and method["kind"] != WIDGET_KIND:
        raise ApiError(406, {"paymentInitiateOnly": "not supported by this payment method"})
    errors: dict[str, str] = {}
    pages = ("", "")
    if not initiate_only:
        pages = (
            _page_url(body, "paymentReturnPage", errors),
            _page_url(body, "paymentFailedPage", errors),
        )
        if method["kind"] == WIDGET_KIND and "paymentMethodSpecificFields" in body:
            errors.update(card_errors(body["paymentMethodSpecificFields"]))
    # Prices and taxes follow the address: the move is undone with everything else when the
    # payment is refused (the request's transaction rolls back).
    errors.update(move_to_destination(db, selection_id, address, shipping_address))
    checkout = _checkout_errors(price_selection(db, selection_id), address, extra)
    if initiate_only:
        checkout = {k: v for k, v in checkout.items() if k in _NEEDED_TO_INITIATE}
    errors.update(checkout)
    if errors:
        raise ApiError(406, errors)
    db.execute(
        "UPDATE selections SET address = ?, shipping_address = ?, extra = ?, payment_method = ? "
        "WHERE id = ?",
        (
            json.dumps(address),
            json.dumps(shipping_address),
            json.dumps(extra),
            method["id"],
            selection_id,
        ),
    )
    return method, pages


def _register_at_checkout(call: Call, selection_id: str) -> None:
    """``address.register: true`` with ``address.password`` creates the customer from the
    checkout's address and logs the session in, so the order is theirs (Centra's subscription
    docs: "Register during checkout"). A session already logged in ignores them. A refusal (406
    ``address.password`` not valid, 409 ``address.email`` already registered) changes nothing."""
    raw = call.body.get("address")
    if not isinstance(raw, dict) or raw.get("register") is not True:
        return
    if session_customer(call) is not None:
        return
    password = raw.get("password")
    if not accounts.valid_password(password):
        raise ApiError(406, {"address.password": accounts.NOT_VALID})
    address = json.loads(load_selection(call.db, selection_id)["address"] or "{}")
    email = str(address.get("email") or "")
    if accounts.find_customer(call.db, email) is not None:
        raise ApiError(409, {"address.email": "already registered"})
    fields = {k: address[k] for k in accounts.ADDRESS_FIELDS if isinstance(address.get(k), str)}
    fields["newsletter"] = address.get("newsletter") is True
    customer_id = accounts.create_customer(call.db, email, password, fields, call.now)
    accounts.log_in(call.db, call.require_token(), customer_id, call.now)


def _record_payment(
    call: Call,
    priced: Priced,
    method: sqlite3.Row,
    return_page: str,
    failed_page: str,
    status: str = "pending",
) -> sqlite3.Row:
    db, selection_id = call.db, priced.sel["id"]
    # A new attempt replaces any earlier one still waiting for the shopper.
    db.execute(
        "UPDATE payments SET status = 'superseded' "
        "WHERE selection_id = ? AND status IN ('pending', 'authorized')",
        (selection_id,),
    )
    payment_id = secrets.token_hex(16)
    db.execute(
        "INSERT INTO payments (id, selection_id, method, amount, currency, return_page, "
        "failed_page, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            payment_id,
            selection_id,
            method["id"],
            _amount_text(priced),
            priced.place.currency["code"],
            return_page,
            failed_page,
            status,
            call.now,
        ),
    )
    return db.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()


def _form_action(call: Call, payment: sqlite3.Row) -> dict[str, Any]:
    fields = provider_fields(call.sandbox, payment, "approved")
    form_url = with_query(payment["return_page"], {"centraPaymentMethod": payment["method"]})
    form_id = f"form-{payment['id']}"
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}" />'
        for name, value in fields.items()
        if name != "centraPaymentMethod"
    )
    form_html = (
        f'<form id="{form_id}" action="{html.escape(form_url)}" accept-charset="UTF-8" '
        f'method="post">{hidden}<noscript><input type="submit" /></noscript>'
        f"<script>document.getElementById('{form_id}').submit();</script></form>"
    )
    form_fields = {k: v for k, v in fields.items() if k != "centraPaymentMethod"}
    return {"action": "form", "formHtml": form_html, "formFields": form_fields, "formUrl": form_url}


# -- orders ------------------------------------------------------------------------------------


def _next_order_number(db: sqlite3.Connection) -> str:
    row = db.execute(
        "SELECT COALESCE(MAX(CAST(number AS INTEGER)), ?) + 1 FROM orders",
        (FIRST_ORDER_NUMBER - 1,),
    ).fetchone()
    return str(row[0])


def _order_address(
    db: sqlite3.Connection, data: dict[str, Any], fields: tuple[str, ...]
) -> dict[str, str]:
    address = {name: str(data.get(name) or "") for name in fields}
    country = db.execute(
        "SELECT name FROM countries WHERE code = ?", (address["country"],)
    ).fetchone()
    address["countryName"] = country["name"] if country else ""
    return address


def order_json(call: Call, priced: Priced, number: str, now: float) -> dict[str, Any]:
    db, sel, place = call.db, priced.sel, priced.place
    address = json.loads(sel["address"] or "{}")
    # With no separate shipping address the goods go to the billing address.
    shipping = json.loads(sel["shipping_address"] or "{}") or dict(address)
    extra = json.loads(sel["extra"] or "{}")
    items = []
    for line in priced.lines:
        item = item_json(db, line, place, call.sandbox.public_url(call.request))
        product = item["product"]
        item.update(
            storePickup=False,
            productName=product.get("name", ""),
            brandName=product.get("brandName", ""),
        )
        items.append(item)
    method = priced.payment_method
    return {
        "order": number,
        "status": "untouched",
        "statusDescription": "Pending",
        "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)),
        "affiliateHtml": "",
        "language": sel["language"],
        "currency": place.currency["code"],
        "paymentMethod": method["id"] if method is not None else "",
        "paymentMethodName": method["name"] if method is not None else "",
        "shippingMethod": priced.shipping.id if priced.shipping else "",
        "shippingMethodName": priced.shipping.name if priced.shipping else "",
        "items": items,
        "discounts": discounts_json(priced),
        "totals": totals_json(priced),
        "vatExempt": False,
        "address": _order_address(db, address, ADDRESS_FIELDS),
        "shippingAddress": _order_address(db, shipping, SHIPPING_ADDRESS_FIELDS),
        "giftMessage": "",
        "additionalNotes": str(extra.get("additionalNotes") or ""),
        "currencyFormat": currency_format(place.currency),
        "paymentMethodData": {},
    }


def place_order(call: Call, priced: Priced, payment: sqlite3.Row) -> dict[str, Any]:
    """Turn the paid selection into an order: stock goes down, the payment is marked paid, and
    the token moves on to a new empty selection in the same place."""
    db, sel = call.db, priced.sel
    token = call.require_token()
    now = call.now
    number = _next_order_number(db)
    order = order_json(call, priced, number, now)
    customer_id = session_customer(call) or sel["customer_id"]
    db.execute(
        "INSERT INTO orders (number, selection_id, customer_id, token, created_at, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (number, sel["id"], customer_id, token, now, json.dumps(order)),
    )
    for line in priced.lines:
        db.execute(
            "UPDATE items SET stock = MAX(stock - ?, 0) WHERE id = ?", (line.quantity, line.item_id)
        )
    db.execute("UPDATE selections SET order_number = ? WHERE id = ?", (number, sel["id"]))
    db.execute("UPDATE payments SET status = 'paid' WHERE id = ?", (payment["id"],))
    new_id = fresh_selection(db, token, sel, now)
    db.execute(
        "UPDATE customers SET saved_selection_id = ? WHERE saved_selection_id = ?",
        (new_id, sel["id"]),
    )
    return order


def _after_order_context(call: Call) -> dict[str, Any]:
    return context_json(call, place_of(call.db, load_selection(call.db, call.selection_id)))


def _stored_order(db: sqlite3.Connection, selection_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM orders WHERE selection_id = ?", (selection_id,)).fetchone()


# -- POST payment-result -----------------------------------------------------------------------


def _failed(*messages: str) -> ApiError:
    return ApiError(412, {"paymentMethod": "failed"}, messages=list(messages))


def _verified_payment(call: Call, fields: dict[str, Any]) -> sqlite3.Row:
    given: dict[str, str] = {}
    for name in (*SIGNED_FIELDS, "signature"):
        value = fields.get(name)
        if not isinstance(value, str) or len(value) > 256:
            raise _failed("The payment parameters are incomplete.")
        given[name] = value
    expected = signature(call.sandbox, given)
    if not hmac.compare_digest(expected, given["signature"]):
        raise _failed("The payment parameters could not be verified.")
    payment = call.db.execute("SELECT * FROM payments WHERE id = ?", (given["payment"],)).fetchone()
    if payment is None:
        raise _failed("Unknown payment.")
    if given["status"] != "approved":
        raise _failed("The payment was declined.")
    return payment


@api.route("POST", "payment-result")
def payment_result(call: Call) -> tuple[int, dict[str, Any]] | dict[str, Any]:
    db = call.db
    fields = call.body.get("paymentMethodFields", {})
    if not isinstance(fields, dict):
        raise ApiError(400, {"paymentMethodFields": "must be an object"})
    payment = _verified_payment(call, fields)
    current_selection = call.selection_id

    if payment["status"] == "paid":
        stored = _stored_order(db, payment["selection_id"])
        if stored is not None and stored["token"] == call.token:
            return {"order": json.loads(stored["data"]), **_after_order_context(call)}
        raise _failed("This payment belongs to another session.")
    if payment["selection_id"] != current_selection:
        raise _failed("This payment belongs to another session.")
    method = db.execute(
        "SELECT kind FROM payment_methods WHERE id = ?", (payment["method"],)
    ).fetchone()
    # A redirect payment is open only once the shopper approved it on the hosted page.
    open_status = "authorized" if method is not None and method["kind"] == "redirect" else "pending"
    if payment["status"] != open_status:
        raise _failed(f"The payment is {payment['status']}.")

    priced = price_selection(db, current_selection)
    if _amount_text(priced) != payment["amount"] or (
        priced.place.currency["code"] != payment["currency"]
    ):
        raise _failed("The selection changed after the payment started; start the payment again.")
    unavailable = shortages_at_checkout(db, current_selection)
    if unavailable:
        db.execute("UPDATE payments SET status = 'cancelled' WHERE id = ?", (payment["id"],))
        cancellation = {
            **priced.place.money("grandTotalPrice", priced.grand_total),
            "currency": payment["currency"],
        }
        return 410, {
            "errors": {"stock": "unavailable items"},
            "unavailable": unavailable,
            "cancellation": cancellation,
            **selection_response(call),
        }
    order = place_order(call, priced, payment)
    return {"order": order, **_after_order_context(call)}


# -- GET receipt -------------------------------------------------------------------------------


@api.route("GET", "receipt")
def receipt(call: Call) -> dict[str, Any]:
    """The latest order placed with this token."""
    call.selection_id  # noqa: B018 - a receipt needs a session, not API-token: none
    row = call.db.execute(
        "SELECT data FROM orders WHERE token = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (call.token,),
    ).fetchone()
    if row is None:
        raise ApiError(404, {"order": "not found"})
    return {"order": json.loads(row["data"]), **_after_order_context(call)}
