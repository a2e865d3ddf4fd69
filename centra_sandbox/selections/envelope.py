"""The SelectionResponse envelope and the context every envelope shares:
``languages``, ``countries``, ``location``, ``loggedIn?``, the method lists and ``paymentFields``.

``location.language`` is the selection's language as a Language object (the top-level
``language`` object was dropped in v2.69). A selection with no country has ``country: null``,
``name: ""``, ``shipTo: false``."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.http import Call
from centra_sandbox.selections.checkout_fields import REQUIRED_ADDRESS_FIELDS, payment_fields
from centra_sandbox.selections.methods import WIDGET_KIND, payment_methods
from centra_sandbox.selections.place import Place, dec
from centra_sandbox.selections.pricing import Priced, price_selection
from centra_sandbox.selections.selection_json import selection_json
from centra_sandbox.settings_json import countries_json, language_json, languages_json


def location_json(db: sqlite3.Connection, place: Place) -> dict[str, Any]:
    language = None
    if place.language:
        language = db.execute(
            "SELECT * FROM languages WHERE code = ?", (place.language,)
        ).fetchone()
    if language is None:
        language = db.execute(
            "SELECT * FROM languages ORDER BY is_default DESC, code LIMIT 1"
        ).fetchone()
    country, state = place.country, place.state
    return {
        "country": country["code"] if country is not None else None,
        "name": country["name"] if country is not None else "",
        "state": state["code"] if state is not None else None,
        "stateName": state["name"] if state is not None else "",
        "eu": bool(country["eu"]) if country is not None else False,
        "shipTo": place.ship_to,
        "market": int(place.market),
        "pricelist": int(place.pricelist),
        "language": language_json(language) if language is not None else None,
    }


def payment_methods_json(db: sqlite3.Connection, place: Place) -> list[dict[str, Any]]:
    return [
        {
            "paymentMethod": row["id"],
            "name": row["name"],
            "paymentMethodType": row["kind"],
            # Only a widget can be shown before the shopper has filled in the address.
            "supportsInitiateOnly": row["kind"] == WIDGET_KIND,
            "providesCustomerAddressAfterPayment": False,
            "addressRequiredFields": list(REQUIRED_ADDRESS_FIELDS),
            **place.money("handlingCost", dec(row["handling_cost"])),
        }
        for row in payment_methods(db)
    ]


def shipping_methods_json(priced: Priced) -> list[dict[str, Any]]:
    return [
        {"shippingMethod": o.id, "name": o.name, **priced.place.money("price", o.price)}
        for o in priced.shipping_options
    ]


def logged_in_json(db: sqlite3.Connection, customer_id: int | None) -> dict[str, Any] | None:
    """The ``loggedIn`` object for a customer id, or None when there is no such customer."""
    if customer_id is None:
        return None
    # accounts owns the loggedIn shape; it imports this module, hence the late import.
    from centra_sandbox.accounts import logged_in

    try:
        return logged_in(db, customer_id)
    except LookupError:
        return None


def session_customer(call: Call) -> int | None:
    session = call.session
    return session["customer_id"] if session is not None else None


def context_json(call: Call, place: Place) -> dict[str, Any]:
    """``languages``, ``countries``, ``location`` and ``loggedIn?``: what every envelope shares."""
    body: dict[str, Any] = {
        "languages": languages_json(call.db),
        "countries": countries_json(call.db),
        "location": location_json(call.db, place),
    }
    customer = logged_in_json(call.db, session_customer(call))
    if customer is not None:
        body["loggedIn"] = customer
    return body


def selection_response(call: Call, selection_id: str | None = None) -> dict:
    """The SelectionResponse envelope without ``token``, which the app adds."""
    db = call.db
    selection_id = selection_id or call.selection_id
    priced = price_selection(db, selection_id)
    shared = context_json(call, priced.place)
    body: dict[str, Any] = {
        "selection": selection_json(db, priced, call.sandbox.public_url(call.request)),
        "languages": shared.pop("languages"),
        "paymentMethods": payment_methods_json(db, priced.place),
        "paymentFields": payment_fields(),
        "shippingMethods": shipping_methods_json(priced),
        **shared,
    }
    return body
