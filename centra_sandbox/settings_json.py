"""The JSON of the store's general settings that several answers share: Language objects and
the country lists (``GET countries``, ``GET countries/all`` and every envelope's
``countries``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.catalog_cache import cached


def language_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"language": row["code"], "name": row["name"], "default": bool(row["is_default"])}


def languages_json(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every language, sorted by name."""
    rows = db.execute("SELECT * FROM languages ORDER BY name, code").fetchall()
    return [language_json(row) for row in rows]


def _states(db: sqlite3.Connection) -> dict[str, list[dict[str, str]]]:
    states: dict[str, list[dict[str, str]]] = {}
    for row in db.execute("SELECT country, code, name FROM states ORDER BY country, name"):
        states.setdefault(row["country"], []).append({"state": row["code"], "name": row["name"]})
    return states


def countries_json(db: sqlite3.Connection, shippable_only: bool = True) -> list[dict[str, Any]]:
    """``CountryShippable`` objects by name, with ``states`` only for a country that has them;
    with ``shippable_only=False`` the authorized form (every country, plus ``shipTo``,
    ``market`` and ``pricelist``). Cached until the settings change (every envelope carries
    the list, ~70 states included): callers must not change it."""
    return cached(db, ("countries", shippable_only), lambda: _countries(db, shippable_only))


def _countries(db: sqlite3.Connection, shippable_only: bool) -> list[dict[str, Any]]:
    states = _states(db)
    rows = db.execute(
        "SELECT c.*, p.currency FROM countries c JOIN pricelists p ON p.id = c.pricelist "
        "WHERE c.ship_to >= ? ORDER BY c.name",
        (1 if shippable_only else 0,),
    ).fetchall()
    countries = []
    for row in rows:
        country: dict[str, Any] = {
            "country": row["code"],
            "name": row["name"],
            "eu": bool(row["eu"]),
            "language": row["language"],
            "currency": row["currency"],
        }
        if row["code"] in states:
            country["states"] = states[row["code"]]
        if not shippable_only:
            country["shipTo"] = bool(row["ship_to"])
            country["market"] = str(row["market"])
            country["pricelist"] = str(row["pricelist"])
        countries.append(country)
    return countries
