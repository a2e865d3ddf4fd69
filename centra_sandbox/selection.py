"""Checkout API routes that read or change the selection: items and lines, the selection itself,
country, state and language, vouchers, shipping and payment methods, payment fields.

Every success answers the SelectionResponse envelope (``selections.envelope.selection_response``);
the rules they share (stock, pricing, what "unsellable" means) are documented in the
``selections`` package.

Bulk ``PUT items``, with the status codes Centra documents: 400 when the body is malformed (not
lists of objects with the right types, quantities outside 0..9999 for lines or 1..9999 for items,
more than 100 entries); 404 when a line or item is unknown (``{"lines.0.line": "not found"}``,
``{"items.1.item": "product item not found"}``); 406 when an item is already on a line, is not
purchasable, or an entry repeats (``{"items.0.item": "already in selection"}``). Nothing changes on
400/404/406. Otherwise every operation runs and the answer is 200; one that found no stock at all
is skipped and listed in ``errors`` (``{"items.0.quantity": "unavailable items"}``) with its
``unavailable`` entry, and capped ones list only ``unavailable``.
"""

from __future__ import annotations

import json
from typing import Any

from centra_sandbox.http import ApiError, Call, api, selector
from centra_sandbox.selections.checkout_fields import clean_payment_fields
from centra_sandbox.selections.envelope import selection_response
from centra_sandbox.selections.lines import (
    MAX_LINE_QUANTITY,
    add_item,
    find_line,
    offer_for,
    parse_quantity,
    quantity_rule,
    set_line_quantity,
)
from centra_sandbox.selections.location import (
    country_defaults,
    find_country,
    find_language,
    find_state,
    move_to_country,
    relocate,
)
from centra_sandbox.selections.methods import (
    effective_shipping,
    find_payment_method,
    shipping_options,
)
from centra_sandbox.selections.place import Place, place_of
from centra_sandbox.selections.records import load_selection
from centra_sandbox.selections.vouchers import find_voucher, voucher_codes

MAX_BULK_ENTRIES = 100


def _place(call: Call) -> tuple[str, Place]:
    selection_id = call.selection_id
    return selection_id, place_of(call.db, load_selection(call.db, selection_id))


def _answer(call: Call, unavailable: list[dict] | None = None) -> dict[str, Any]:
    body = selection_response(call)
    if unavailable:
        body["unavailable"] = unavailable
    return body


# -- selection ---------------------------------------------------------------------------------


@api.route("GET", "selection")
def get_selection(call: Call) -> dict[str, Any]:
    return selection_response(call)


def _body_int(call: Call, name: str) -> int | None:
    value = call.server_field(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ApiError(400, {name: "must be an integer"})
    return value


def _body_str(call: Call, name: str) -> str | None:
    value = call.server_field(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, {name: "must be a string"})
    return value


@api.route("PUT", "selection")
def put_selection(call: Call) -> dict[str, Any]:
    """Market, pricelist, country and language: only with the shared secret; ignored without."""
    db = call.db
    market, pricelist = _body_int(call, "market"), _body_int(call, "pricelist")
    country_code, language_code = _body_str(call, "country"), _body_str(call, "language")
    # Every lookup before any write, so a refused call changes nothing.
    country = find_country(db, country_code) if country_code is not None else None
    language = find_language(db, language_code) if language_code is not None else None
    if (
        market is not None
        and not db.execute("SELECT 1 FROM markets WHERE id = ?", (market,)).fetchone()
    ):
        raise ApiError(404, {"market": "not found"})
    if (
        pricelist is not None
        and not db.execute("SELECT 1 FROM pricelists WHERE id = ?", (pricelist,)).fetchone()
    ):
        raise ApiError(404, {"pricelist": "not found"})
    columns: dict[str, Any] = country_defaults(country) if country is not None else {}
    if market is not None:
        columns["market"] = market
    if pricelist is not None:
        columns["pricelist"] = pricelist
    if language is not None:
        columns["language"] = language["code"]
    relocate(db, call.selection_id, **columns)
    return selection_response(call)


@api.route("PUT", "selection/{selection}")
def attach_selection(call: Call) -> dict[str, Any]:
    """Point the current token at a known selection (cart recovery); orders are "not found"."""
    call.require_server()
    wanted = call.params["selection"]
    row = None
    if len(wanted) <= 64:
        row = call.db.execute(
            "SELECT s.id FROM selections s LEFT JOIN orders o ON o.selection_id = s.id "
            "WHERE s.id = ? AND s.order_number IS NULL AND o.number IS NULL",
            (wanted,),
        ).fetchone()
    if row is None:
        raise ApiError(404, {"selection": "not found"})
    call.selection_id  # noqa: B018 - refuses API-token: none before anything changes
    call.db.execute("UPDATE sessions SET selection_id = ? WHERE token = ?", (row["id"], call.token))
    return selection_response(call)


# -- items and lines ---------------------------------------------------------------------------


def _add(call: Call, quantity: int) -> dict[str, Any]:
    selection_id, place = _place(call)
    shortage = add_item(call.db, selection_id, place, call.params["item"], quantity)
    return _answer(call, [shortage] if shortage else None)


@api.route("POST", "items/{item}")
def add_one(call: Call) -> dict[str, Any]:
    return _add(call, 1)


@api.route("POST", "items/{item}/quantity/{quantity}")
def add_many(call: Call) -> dict[str, Any]:
    return _add(call, parse_quantity(call.params["quantity"]))


def _change_line(call: Call, new_quantity: Any) -> dict[str, Any]:
    """``new_quantity`` maps the line's current quantity to the wanted one."""
    selection_id, place = _place(call)
    line = find_line(call.db, selection_id, call.params["line"])
    shortage = set_line_quantity(call.db, line, place, new_quantity(line["quantity"]))
    return _answer(call, [shortage] if shortage else None)


@api.route("POST", "lines/{line}")
def increase_line_by_one(call: Call) -> dict[str, Any]:
    return _change_line(call, lambda current: current + 1)


@api.route("POST", "lines/{line}/quantity/{quantity}")
def increase_line(call: Call) -> dict[str, Any]:
    quantity = parse_quantity(call.params["quantity"])
    return _change_line(call, lambda current: current + quantity)


@api.route("PUT", "lines/{line}/quantity/{quantity}")
def set_line(call: Call) -> dict[str, Any]:
    quantity = parse_quantity(call.params["quantity"], minimum=0)
    return _change_line(call, lambda current: quantity)


@api.route("DELETE", "lines/{line}/quantity/{quantity}")
def decrease_line(call: Call) -> dict[str, Any]:
    quantity = parse_quantity(call.params["quantity"])
    return _change_line(call, lambda current: max(current - quantity, 0))


@api.route("DELETE", "lines/{line}")
def remove_line(call: Call) -> dict[str, Any]:
    return _change_line(call, lambda current: 0)


def _bulk_entries(body: dict[str, Any], key: str, id_key: str, minimum: int) -> list[dict]:
    entries = body.get(key, [])
    if not isinstance(entries, list) or len(entries) > MAX_BULK_ENTRIES:
        raise ApiError(400, {key: f"must be a list of at most {MAX_BULK_ENTRIES} objects"})
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get(id_key), str):
            raise ApiError(400, {f"{key}.{index}.{id_key}": "required"})
        quantity = entry.get("quantity")
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not minimum <= quantity <= MAX_LINE_QUANTITY
        ):
            raise ApiError(400, {f"{key}.{index}.quantity": quantity_rule(minimum)})
    return entries


@api.route("PUT", "items")
def bulk_update(call: Call) -> tuple[int, dict[str, Any]] | dict[str, Any]:
    body = call.body
    if "lines" not in body and "items" not in body:
        raise ApiError(400, {"lines": "lines or items required"})
    line_entries = _bulk_entries(body, "lines", "line", 0)
    item_entries = _bulk_entries(body, "items", "item", 1)
    selection_id, place = _place(call)
    db = call.db

    not_found: dict[str, str] = {}
    invalid: dict[str, str] = {}
    lines = []
    for index, entry in enumerate(line_entries):
        try:
            lines.append(find_line(db, selection_id, entry["line"]))
        except ApiError:
            not_found[f"lines.{index}.line"] = "not found"
    seen_items: set[str] = set()
    for index, entry in enumerate(item_entries):
        key = f"items.{index}.item"
        try:
            offer_for(db, entry["item"], place)
        except ApiError as err:
            (not_found if err.status == 404 else invalid)[key] = next(iter(err.errors.values()))
            continue
        on_line = db.execute(
            "SELECT 1 FROM selection_lines WHERE selection_id = ? AND item_id = ?",
            (selection_id, entry["item"]),
        ).fetchone()
        if on_line or entry["item"] in seen_items:
            invalid[key] = "already in selection"
        seen_items.add(entry["item"])
    if len({entry["line"] for entry in line_entries}) != len(line_entries):
        invalid["lines"] = "a line may appear only once"
    if not_found:
        raise ApiError(404, not_found)
    if invalid:
        raise ApiError(406, invalid)

    failed: dict[str, str] = {}
    unavailable: list[dict] = []
    operations = [
        (f"lines.{i}", lambda e=entry, row=row: set_line_quantity(db, row, place, e["quantity"]))
        for i, (entry, row) in enumerate(zip(line_entries, lines, strict=True))
    ] + [
        (f"items.{i}", lambda e=entry: add_item(db, selection_id, place, e["item"], e["quantity"]))
        for i, entry in enumerate(item_entries)
    ]
    for key, operation in operations:
        try:
            shortage = operation()
        except ApiError as err:
            failed[f"{key}.quantity"] = "unavailable items"
            unavailable.extend(err.extra.get("unavailable", []))
            continue
        if shortage:
            unavailable.append(shortage)
    answer = _answer(call, unavailable)
    if failed:
        answer["errors"] = failed
    return answer


# -- location ----------------------------------------------------------------------------------


@api.route("PUT", "countries/{country}")
def put_country(call: Call) -> dict[str, Any]:
    db = call.db
    country = find_country(db, call.params["country"])
    language = None
    if (wanted := selector(call.body, "language")) is not None:
        language = find_language(db, wanted)["code"]
    move_to_country(db, call.selection_id, country, language=language)
    return selection_response(call)


@api.route("PUT", "countries/{country}/states/{state}")
def put_country_state(call: Call) -> dict[str, Any]:
    db = call.db
    country = find_country(db, call.params["country"])
    state = find_state(db, country, call.params["state"])
    move_to_country(db, call.selection_id, country, state=state)
    return selection_response(call)


@api.route("PUT", "languages/{language}")
def put_language(call: Call) -> dict[str, Any]:
    language = find_language(call.db, call.params["language"])
    call.db.execute(
        "UPDATE selections SET language = ? WHERE id = ?", (language["code"], call.selection_id)
    )
    return selection_response(call)


# -- vouchers ----------------------------------------------------------------------------------


def _set_vouchers(call: Call, selection_id: str, codes: list[str]) -> None:
    call.db.execute(
        "UPDATE selections SET vouchers = ? WHERE id = ?", (json.dumps(codes), selection_id)
    )


@api.route("POST", "vouchers")
def add_voucher(call: Call) -> dict[str, Any]:
    code = call.body.get("voucher")
    if not isinstance(code, str) or not code:
        raise ApiError(400, {"voucher": "required"})
    voucher = find_voucher(call.db, code)
    selection_id = call.selection_id
    codes = voucher_codes(load_selection(call.db, selection_id))
    if voucher["code"] not in codes:
        _set_vouchers(call, selection_id, [*codes, voucher["code"]])
    return selection_response(call)


def _remove_voucher(call: Call, code: Any) -> dict[str, Any]:
    voucher = find_voucher(call.db, code)
    selection_id = call.selection_id
    codes = voucher_codes(load_selection(call.db, selection_id))
    if voucher["code"] in codes:
        _set_vouchers(call, selection_id, [c for c in codes if c != voucher["code"]])
    return selection_response(call)


@api.route("DELETE", "vouchers/{voucher}")
def remove_voucher(call: Call) -> dict[str, Any]:
    return _remove_voucher(call, call.params["voucher"])


@api.route("DELETE", "vouchers")
def remove_voucher_legacy(call: Call) -> dict[str, Any]:
    """The older body form ``{"voucher": code}``, still sent by Centra's Node example."""
    return _remove_voucher(call, call.body.get("voucher"))


# -- methods and fields ------------------------------------------------------------------------


@api.route("PUT", "shipping-methods/{shippingMethod}")
def put_shipping_method(call: Call) -> dict[str, Any]:
    selection_id, place = _place(call)
    wanted = call.params["shippingMethod"]
    option = effective_shipping(shipping_options(call.db, place), wanted)
    if option is None or option.id != wanted:
        raise ApiError(404, {"shippingMethod": "not found"})
    call.db.execute(
        "UPDATE selections SET shipping_method = ? WHERE id = ?", (option.id, selection_id)
    )
    return selection_response(call)


@api.route("PUT", "payment-methods/{paymentMethod}")
def put_payment_method(call: Call) -> dict[str, Any]:
    method = find_payment_method(call.db, call.params["paymentMethod"])
    call.db.execute(
        "UPDATE selections SET payment_method = ? WHERE id = ?", (method["id"], call.selection_id)
    )
    return selection_response(call)


@api.route("PUT", "payment-fields")
def put_payment_fields(call: Call) -> dict[str, Any]:
    selection_id = call.selection_id
    sel = load_selection(call.db, selection_id)
    address, shipping_address, extra = clean_payment_fields(sel, call.body)
    call.db.execute(
        "UPDATE selections SET address = ?, shipping_address = ?, extra = ? WHERE id = ?",
        (json.dumps(address), json.dumps(shipping_address), json.dumps(extra), selection_id),
    )
    return selection_response(call)
