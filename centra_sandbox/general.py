"""General settings routes (read side): countries, languages, markets, pricelists."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.http import Call, api
from centra_sandbox.money import currency_format


def _states(db: sqlite3.Connection) -> dict[str, list[dict[str, str]]]:
    states: dict[str, list[dict[str, str]]] = {}
    for row in db.execute("SELECT country, code, name FROM states ORDER BY country, name"):
        states.setdefault(row["country"], []).append({"state": row["code"], "name": row["name"]})
    return states


def countries_json(db: sqlite3.Connection, shippable_only: bool = True) -> list[dict[str, Any]]:
    """``CountryShippable`` objects by name; with ``shippable_only=False`` the authorized form
    (every country, plus ``shipTo``, ``market`` and ``pricelist``)."""
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


def languages_json(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute("SELECT * FROM languages ORDER BY name, code").fetchall()
    return [
        {"language": row["code"], "name": row["name"], "default": bool(row["is_default"])}
        for row in rows
    ]


@api.route("GET", "countries")
def get_countries(call: Call) -> dict[str, Any]:
    return {"countries": countries_json(call.db)}


@api.route("GET", "countries/all")
def get_all_countries(call: Call) -> dict[str, Any]:
    call.require_server()
    return {"countries": countries_json(call.db, shippable_only=False)}


@api.route("GET", "languages")
def get_languages(call: Call) -> dict[str, Any]:
    return {"languages": languages_json(call.db)}


@api.route("GET", "markets")
def get_markets(call: Call) -> dict[str, Any]:
    call.require_server()
    rows = call.db.execute("SELECT * FROM markets ORDER BY id").fetchall()
    return {
        "markets": [
            {"market": str(row["id"]), "name": row["name"], "default": bool(row["is_default"])}
            for row in rows
        ]
    }


@api.route("GET", "pricelists")
def get_pricelists(call: Call) -> dict[str, Any]:
    call.require_server()
    db = call.db
    currencies = {row["code"]: row for row in db.execute("SELECT * FROM currencies")}
    rows = db.execute("SELECT * FROM pricelists ORDER BY id").fetchall()
    return {
        "pricelists": [
            {
                "pricelist": str(row["id"]),
                "name": row["name"],
                "default": bool(row["is_default"]),
                "currency": currency_format(currencies[row["currency"]]),
            }
            for row in rows
        ]
    }
