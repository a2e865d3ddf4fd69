"""A cache of values derived from the catalog tables (facet totals, lookups, result sets), valid
for one state of the catalog and dropped by any change to it.

Writers (the control API, the demo loader, tests that write SQL directly, orders taking stock)
do not have to know about the cache: TEMP triggers on every catalog table, installed on a
connection the first time it reads through the cache, stamp a fresh random number into a TEMP
table on each written row. The stamp is transactional, so a rolled-back change also rolls the
stamp back to the value that described the restored data, and a new change never reuses a stamp
(64 random bits). ``PRAGMA data_version`` adds the commits of other connections to the same file,
which this connection's triggers cannot see.

The triggers cost each written catalog row a one-row UPDATE: reloading the 10,000-product demo
into a sandbox that has served listings takes about 1.6x as long as into a fresh one.

Not seen: a ``Connection.backup`` *into* a connection that already served catalog reads (it
bypasses triggers and ``data_version``); call ``catalog_changed`` after such a restore.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

# Every table a product, category, facet or country list is built from.
WATCHED_TABLES = (
    "currencies",
    "markets",
    "pricelists",
    "languages",
    "brands",
    "collections",
    "categories",
    "category_texts",
    "products",
    "product_texts",
    "product_markets",
    "product_prices",
    "product_categories",
    "items",
    "media",
    "related_products",
    "subscription_plans",
    "product_subscription_plans",
    # The country lists every envelope carries.
    "countries",
    "states",
)
# Entries kept across all connections and versions; old versions simply age out. A result set
# of the whole 10,000-product catalog (ids and facets) takes ~300 KB, so the cache stays under
# ~40 MB even when every entry is one.
MAX_ENTRIES = 128

_STAMP_TABLE = "sandbox_catalog_stamp"
_VERSION_SQL = f"SELECT s.stamp, d.data_version FROM temp.{_STAMP_TABLE} s, pragma_data_version d"  # noqa: S608

_entries: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


def _install(db: sqlite3.Connection) -> None:
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAMP_TABLE} (stamp INTEGER NOT NULL)")
    if db.execute(f"SELECT 1 FROM temp.{_STAMP_TABLE}").fetchone() is None:  # noqa: S608
        db.execute(f"INSERT INTO temp.{_STAMP_TABLE} VALUES (random())")  # noqa: S608
    for table in WATCHED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            # A TEMP trigger may watch a main table; its body names the TEMP table unqualified.
            db.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS sandbox_catalog_{table}_{event.lower()} "  # noqa: S608
                f"AFTER {event} ON main.{table} "
                f"BEGIN UPDATE {_STAMP_TABLE} SET stamp = random(); END"
            )


def catalog_version(db: sqlite3.Connection) -> tuple[int, int]:
    """A value that differs whenever the catalog this connection sees may have changed."""
    try:
        row = db.execute(_VERSION_SQL).fetchone()
    except sqlite3.OperationalError as error:
        if _STAMP_TABLE not in str(error):
            raise
        _install(db)
        row = db.execute(_VERSION_SQL).fetchone()
    return row[0], row[1]


def catalog_changed(db: sqlite3.Connection) -> None:
    """Drop what was cached for this connection's catalog (for changes triggers cannot see)."""
    catalog_version(db)  # installs the stamp table when missing
    db.execute(f"UPDATE temp.{_STAMP_TABLE} SET stamp = random()")  # noqa: S608


def cached(db: sqlite3.Connection, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for the same ``key`` and the same catalog version.

    Cached values are shared between requests: callers must treat them as read-only.
    """
    full_key = (catalog_version(db), key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return _entries[full_key]  # type: ignore[return-value]
    # Computed outside the lock: two threads may both compute, and both get a correct value.
    value = compute()
    with _lock:
        _entries[full_key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value
