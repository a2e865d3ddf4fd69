"""General settings routes (read side): countries, languages, markets, pricelists."""

from __future__ import annotations

from typing import Any

from centra_sandbox.http import Call, api
from centra_sandbox.money import currency_format
from centra_sandbox.settings_json import countries_json, languages_json


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
