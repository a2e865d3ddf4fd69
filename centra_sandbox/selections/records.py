"""The stored rows of a selection: the selection itself, its line rows, and the fresh selection a
token moves on to after an order."""

from __future__ import annotations

import secrets
import sqlite3

from centra_sandbox.http import ApiError


def load_selection(db: sqlite3.Connection, selection_id: str) -> sqlite3.Row:
    row = db.execute("SELECT * FROM selections WHERE id = ?", (selection_id,)).fetchone()
    if row is None:
        raise ApiError(404, {"selection": "not found"})
    return row


def raw_lines(db: sqlite3.Connection, selection_id: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM selection_lines WHERE selection_id = ? ORDER BY position, rowid",
        (selection_id,),
    ).fetchall()


def fresh_selection(db: sqlite3.Connection, token: str, like: sqlite3.Row, now: float) -> str:
    """Give a token a new empty selection in the same place as ``like`` (after an order)."""
    selection_id = secrets.token_hex(16)
    db.execute(
        "INSERT INTO selections (id, created_at, country, state, language, market, pricelist, "
        "customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            selection_id,
            now,
            like["country"],
            like["state"],
            like["language"],
            like["market"],
            like["pricelist"],
            like["customer_id"],
        ),
    )
    db.execute("UPDATE sessions SET selection_id = ? WHERE token = ?", (selection_id, token))
    return selection_id
