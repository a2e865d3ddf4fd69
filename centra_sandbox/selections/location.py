"""Location changes: finding countries, states and languages, and moving a selection to another
country, market, pricelist or language (re-pricing, dropping what is not sold there, settling
the shipping method)."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.http import ApiError
from centra_sandbox.selections.lines import drop_unsellable_lines
from centra_sandbox.selections.methods import effective_shipping, shipping_options
from centra_sandbox.selections.place import place_of
from centra_sandbox.selections.records import load_selection


def find_country(db: sqlite3.Connection, code: str) -> sqlite3.Row:
    row = None
    if 0 < len(code) <= 8:
        row = db.execute("SELECT * FROM countries WHERE code = ?", (code.upper(),)).fetchone()
    if row is None:
        raise ApiError(404, {"country": "not found"})
    return row


def find_state(db: sqlite3.Connection, country: sqlite3.Row, code_or_name: str) -> sqlite3.Row:
    """A state by ISO code or, as Centra also accepts, by its full name."""
    row = None
    if 0 < len(code_or_name) <= 64:
        row = db.execute(
            "SELECT * FROM states WHERE country = ? AND (code = ? OR name = ? COLLATE NOCASE)",
            (country["code"], code_or_name.upper(), code_or_name),
        ).fetchone()
    if row is None:
        raise ApiError(404, {"state": "not found"})
    return row


def find_language(db: sqlite3.Connection, code: Any) -> sqlite3.Row:
    row = None
    if isinstance(code, str) and 0 < len(code) <= 16:
        row = db.execute("SELECT * FROM languages WHERE code = ?", (code.lower(),)).fetchone()
    if row is None:
        raise ApiError(404, {"language": "not found"})
    return row


def move_to_country(
    db: sqlite3.Connection,
    selection_id: str,
    country: sqlite3.Row,
    state: sqlite3.Row | None = None,
    language: str | None = None,
) -> None:
    """Set country and state; market, pricelist and language follow the country's defaults
    (``language`` overrides the last); lines no longer sellable there are dropped."""
    relocate(db, selection_id, **country_defaults(country, state, language))


def country_defaults(
    country: sqlite3.Row, state: sqlite3.Row | None = None, language: str | None = None
) -> dict[str, Any]:
    return {
        "country": country["code"],
        "state": state["code"] if state is not None else None,
        "market": country["market"],
        "pricelist": country["pricelist"],
        "language": language or country["language"],
    }


def move_to_destination(
    db: sqlite3.Connection,
    selection_id: str,
    address: dict[str, Any],
    shipping_address: dict[str, Any],
) -> dict[str, str]:
    """Set the selection's country and state from where the goods go, as ``PUT countries/{c}``
    and ``PUT countries/{c}/states/{s}`` would, so prices and (state) taxes follow the address
    (``POST payment``). The destination is the shipping address when it names a country, else
    the billing address. A new country brings its market and pricelist but keeps the shopper's
    language; within the same country only the state changes, so a market or pricelist chosen
    with the shared secret stays. Returns the refusals, keyed by the address field (nothing is
    moved then); an address without a country is left to the required-field check."""
    prefix = "shippingAddress" if shipping_address.get("country") else "address"
    destination = shipping_address if prefix == "shippingAddress" else address
    code = destination.get("country")
    if not code:
        return {}
    country = db.execute("SELECT * FROM countries WHERE code = ?", (code,)).fetchone()
    if country is None:
        return {f"{prefix}.country": "not found"}
    if not country["ship_to"]:
        return {f"{prefix}.country": "not shippable"}
    state = None
    if destination.get("state") and _has_states(db, country):
        try:
            state = find_state(db, country, destination["state"])
        except ApiError:
            return {f"{prefix}.state": "not found"}
    sel = load_selection(db, selection_id)
    if country["code"] != sel["country"]:
        move_to_country(db, selection_id, country, state=state, language=sel["language"])
    elif state is not None and state["code"] != sel["state"]:
        relocate(db, selection_id, state=state["code"])
    return {}


def _has_states(db: sqlite3.Connection, country: sqlite3.Row) -> bool:
    return (
        db.execute("SELECT 1 FROM states WHERE country = ?", (country["code"],)).fetchone()
        is not None
    )


_LOCATION_COLUMNS = ("country", "state", "market", "pricelist", "language")


def relocate(db: sqlite3.Connection, selection_id: str, **columns: Any) -> None:
    """Change location columns in one step, then drop what is no longer sellable and settle the
    shipping method (so an explicit pricelist is applied before lines are judged)."""
    for column, value in columns.items():
        if column not in _LOCATION_COLUMNS:
            raise ValueError(f"not a location column: {column}")
        db.execute(
            f"UPDATE selections SET {column} = ? WHERE id = ?",  # noqa: S608 - checked names
            (value, selection_id),
        )
    refresh_after_move(db, selection_id)


def refresh_after_move(db: sqlite3.Connection, selection_id: str) -> None:
    """After market, pricelist or country changed: drop unsellable lines and settle shipping."""
    sel = load_selection(db, selection_id)
    place = place_of(db, sel)
    drop_unsellable_lines(db, selection_id, place)
    chosen = effective_shipping(shipping_options(db, place), sel["shipping_method"])
    db.execute(
        "UPDATE selections SET shipping_method = ? WHERE id = ?",
        (chosen.id if chosen else "", selection_id),
    )
