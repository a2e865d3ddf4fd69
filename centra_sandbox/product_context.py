"""Where a request reads the catalog: a market, a pricelist and a language, the same three axes
as Centra's (product existence per market, price per pricelist, texts per language).

A browser session gets its selection's values; a server call with the shared secret may choose
others in the body, ``"all"`` included, and turn on preview.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from centra_sandbox.catalog_cache import cached
from centra_sandbox.http import ApiError
from centra_sandbox.request_args import bad, bool_arg, int_arg

if TYPE_CHECKING:
    from centra_sandbox.http import Call

ALL = "all"


@dataclass(frozen=True)
class ProductContext:
    """Where the catalog is read: a market and a pricelist (an id or ``"all"``), a language."""

    market: int | str
    pricelist: int | str
    language: str
    media_base: str = ""
    preview: bool = False
    preview_flag: str = "preview"


def store_defaults(db: sqlite3.Connection) -> tuple[int, int, str]:
    """The default market, pricelist and language (the first of each when none is marked)."""
    return cached(db, ("store_defaults",), lambda: _read_defaults(db))


def _read_defaults(db: sqlite3.Connection) -> tuple[int, int, str]:
    def first(sql: str) -> Any:
        row = db.execute(sql).fetchone()
        return row[0] if row else None

    market = first("SELECT id FROM markets ORDER BY is_default DESC, id LIMIT 1")
    pricelist = first("SELECT id FROM pricelists ORDER BY is_default DESC, id LIMIT 1")
    language = first("SELECT code FROM languages ORDER BY is_default DESC, code LIMIT 1")
    return market or 0, pricelist or 0, language or "en"


def _market_arg(db: sqlite3.Connection, value: Any) -> int | str:
    if value == ALL:
        return ALL
    market = int_arg(value, "market")
    if db.execute("SELECT 1 FROM markets WHERE id = ?", (market,)).fetchone() is None:
        raise ApiError(404, {"market": "not found"})
    return market


def _pricelist_arg(db: sqlite3.Connection, value: Any) -> int | str:
    if value == ALL:
        return ALL
    pricelist = int_arg(value, "pricelist")
    if db.execute("SELECT 1 FROM pricelists WHERE id = ?", (pricelist,)).fetchone() is None:
        raise ApiError(404, {"pricelist": "not found"})
    return pricelist


def _language_arg(db: sqlite3.Connection, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 20:
        raise bad("language", "must be a language code")
    if db.execute("SELECT 1 FROM languages WHERE code = ?", (value,)).fetchone() is None:
        raise ApiError(404, {"language": "not found"})
    return value


def product_context(call: Call) -> ProductContext:
    """The session's market, pricelist and language; with the shared secret the body may choose
    others (``"all"`` included) and turn on preview. Without the secret those fields are ignored,
    as Centra ignores what a browser may not set."""
    db = call.db
    # A server call may widen market and pricelist to "all" below.
    market: int | str
    pricelist: int | str
    market, pricelist, language = store_defaults(db)
    session = call.session
    if session is not None:
        selection = db.execute(
            "SELECT market, pricelist, language FROM selections WHERE id = ?",
            (session["selection_id"],),
        ).fetchone()
        if selection is not None:
            market = selection["market"] if selection["market"] is not None else market
            pricelist = selection["pricelist"] if selection["pricelist"] is not None else pricelist
            language = selection["language"] or language
    preview = False
    flag = call.sandbox.config.preview_flag
    if call.server:
        if (chosen := call.server_field("market")) is not None:
            market = _market_arg(db, chosen)
        if (chosen := call.server_field("pricelist")) is not None:
            pricelist = _pricelist_arg(db, chosen)
        if (chosen := call.server_field("language")) is not None:
            language = _language_arg(db, chosen)
        preview = bool_arg(call.body.get(flag), flag)
    return ProductContext(
        market=market,
        pricelist=pricelist,
        language=language,
        media_base=call.sandbox.public_url(call.request),
        preview=preview,
        preview_flag=flag,
    )
