"""The sandbox's own database: a SQLite file or ``:memory:``, independent of Django."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Catalog tables mirror Centra's axes: existence per market, price per pricelist, text per
# language. Runtime tables hold sessions (tokens), selections, customers and orders.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS currencies (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL, suffix TEXT NOT NULL,
    decimal_point TEXT NOT NULL, decimal_digits INTEGER NOT NULL, thousands_separator TEXT NOT NULL,
    denominator INTEGER NOT NULL, uri TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS markets (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pricelists (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL REFERENCES currencies(code)
);
CREATE TABLE IF NOT EXISTS languages (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS countries (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, eu INTEGER NOT NULL, ship_to INTEGER NOT NULL,
    market INTEGER NOT NULL REFERENCES markets(id),
    pricelist INTEGER NOT NULL REFERENCES pricelists(id),
    language TEXT NOT NULL REFERENCES languages(code),
    tax_percent REAL NOT NULL, tax_included INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS states (
    country TEXT NOT NULL REFERENCES countries(code), code TEXT NOT NULL, name TEXT NOT NULL,
    tax_percent REAL, PRIMARY KEY (country, code)
);

CREATE TABLE IF NOT EXISTS brands (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, uri TEXT NOT NULL UNIQUE,
    meta_title TEXT NOT NULL DEFAULT '', meta_description TEXT NOT NULL DEFAULT '',
    meta_keywords TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, uri TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS categories (
    id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id),
    uri TEXT NOT NULL UNIQUE, sort_order INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS category_texts (
    category_id INTEGER NOT NULL REFERENCES categories(id), language TEXT NOT NULL,
    name TEXT NOT NULL, meta_title TEXT NOT NULL DEFAULT '',
    meta_description TEXT NOT NULL DEFAULT '', meta_keywords TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category_id, language)
);

CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, centra_product INTEGER NOT NULL, centra_variant INTEGER NOT NULL,
    uri TEXT NOT NULL UNIQUE, sku TEXT NOT NULL, product_sku TEXT NOT NULL,
    variant_name TEXT NOT NULL DEFAULT '', brand_id INTEGER REFERENCES brands(id),
    collection_id INTEGER REFERENCES collections(id),
    category_id INTEGER REFERENCES categories(id), country_origin TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, modified_at TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    attributes TEXT NOT NULL DEFAULT '{}',
    -- A name in size_charts.CHARTS; '' (or an unknown name) means none.
    size_chart TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS product_texts (
    product_id INTEGER NOT NULL REFERENCES products(id), language TEXT NOT NULL,
    name TEXT NOT NULL, excerpt TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
    meta_title TEXT NOT NULL DEFAULT '', meta_description TEXT NOT NULL DEFAULT '',
    meta_keywords TEXT NOT NULL DEFAULT '', PRIMARY KEY (product_id, language)
);
CREATE TABLE IF NOT EXISTS product_markets (
    product_id INTEGER NOT NULL REFERENCES products(id),
    market_id INTEGER NOT NULL REFERENCES markets(id), PRIMARY KEY (product_id, market_id)
);
CREATE INDEX IF NOT EXISTS product_markets_market ON product_markets(market_id, product_id);
CREATE TABLE IF NOT EXISTS product_prices (
    product_id INTEGER NOT NULL REFERENCES products(id),
    pricelist_id INTEGER NOT NULL REFERENCES pricelists(id),
    price REAL NOT NULL, price_before_discount REAL NOT NULL,
    show_as_new INTEGER NOT NULL DEFAULT 0, show_as_on_sale INTEGER NOT NULL DEFAULT 0,
    lowest_price REAL, PRIMARY KEY (product_id, pricelist_id)
);
CREATE TABLE IF NOT EXISTS product_categories (
    product_id INTEGER NOT NULL REFERENCES products(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    sort_order INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (product_id, category_id)
);
CREATE INDEX IF NOT EXISTS product_categories_category ON product_categories(category_id);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),
    size_id INTEGER NOT NULL, name TEXT NOT NULL, ean TEXT NOT NULL, sku TEXT NOT NULL,
    stock INTEGER NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS items_product ON items(product_id);
CREATE TABLE IF NOT EXISTS media (
    product_id INTEGER NOT NULL REFERENCES products(id), position INTEGER NOT NULL,
    key TEXT NOT NULL, alt TEXT NOT NULL DEFAULT '', PRIMARY KEY (product_id, position)
);
CREATE INDEX IF NOT EXISTS media_key ON media(key);
CREATE TABLE IF NOT EXISTS related_products (
    product_id INTEGER NOT NULL REFERENCES products(id),
    related_id INTEGER NOT NULL REFERENCES products(id),
    relation TEXT NOT NULL, PRIMARY KEY (product_id, related_id)
);
CREATE TABLE IF NOT EXISTS subscription_plans (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, interval_value INTEGER NOT NULL,
    interval_type TEXT NOT NULL CHECK (interval_type IN ('day', 'week', 'month', 'year')),
    discount_percent REAL NOT NULL DEFAULT 0, shipping_type TEXT NOT NULL DEFAULT 'DYNAMIC',
    status TEXT NOT NULL DEFAULT 'ACTIVE'
);
CREATE TABLE IF NOT EXISTS product_subscription_plans (
    product_id INTEGER NOT NULL REFERENCES products(id),
    plan_id INTEGER NOT NULL REFERENCES subscription_plans(id), PRIMARY KEY (product_id, plan_id)
);
CREATE TABLE IF NOT EXISTS cms_articles (
    id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 1,
    is_home INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cms_texts (
    article_id INTEGER NOT NULL REFERENCES cms_articles(id), language TEXT NOT NULL,
    title TEXT NOT NULL, meta_title TEXT NOT NULL DEFAULT '',
    meta_description TEXT NOT NULL DEFAULT '', parts TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (article_id, language)
);
CREATE TABLE IF NOT EXISTS vouchers (
    code TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
    value REAL NOT NULL, description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS shipping_methods (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL
);
-- The price of a shipping method for a country, in a pricelist's currency.
CREATE TABLE IF NOT EXISTS shipping_rates (
    method_id TEXT NOT NULL REFERENCES shipping_methods(id),
    country TEXT NOT NULL REFERENCES countries(code),
    pricelist_id INTEGER NOT NULL REFERENCES pricelists(id), price REAL NOT NULL,
    PRIMARY KEY (method_id, country, pricelist_id)
);
CREATE TABLE IF NOT EXISTS payment_methods (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL,
    handling_cost REAL NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS selections (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL,
    country TEXT, state TEXT, language TEXT, market INTEGER, pricelist INTEGER,
    shipping_method TEXT NOT NULL DEFAULT '', payment_method TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '{}', shipping_address TEXT NOT NULL DEFAULT '{}',
    vouchers TEXT NOT NULL DEFAULT '[]', extra TEXT NOT NULL DEFAULT '{}',
    customer_id INTEGER, order_number TEXT
);
CREATE TABLE IF NOT EXISTS selection_lines (
    line TEXT PRIMARY KEY, selection_id TEXT NOT NULL REFERENCES selections(id),
    item_id TEXT NOT NULL, quantity INTEGER NOT NULL, position INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS selection_lines_selection ON selection_lines(selection_id);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, selection_id TEXT NOT NULL REFERENCES selections(id),
    customer_id INTEGER, created_at REAL NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}',
    newsletter INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL, saved_selection_id TEXT
);
CREATE TABLE IF NOT EXISTS orders (
    number TEXT PRIMARY KEY, selection_id TEXT NOT NULL UNIQUE, customer_id INTEGER,
    token TEXT, created_at REAL NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shipments (
    id INTEGER PRIMARY KEY, order_number TEXT NOT NULL REFERENCES orders(number),
    shipped_date TEXT NOT NULL, carrier TEXT NOT NULL, service TEXT NOT NULL,
    tracking_id TEXT NOT NULL, tracking_url TEXT NOT NULL, return_slip_tracking TEXT NOT NULL,
    additional_message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wishlist_items (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, product_id INTEGER NOT NULL,
    created_at REAL NOT NULL, UNIQUE (customer_id, product_id)
);
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY, selection_id TEXT NOT NULL, method TEXT NOT NULL,
    amount TEXT NOT NULL, currency TEXT NOT NULL, return_page TEXT NOT NULL,
    failed_page TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS password_resets (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, customer_id INTEGER NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS newsletter_subscriptions (
    email TEXT NOT NULL, country TEXT, language TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_emails (
    id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
    link TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL, body TEXT NOT NULL, signature TEXT,
    status_code INTEGER, error TEXT, created_at REAL NOT NULL
);
"""

# Columns added to the schema after it first shipped: (table, column, definition).
ADDED_COLUMNS = [("products", "size_chart", "TEXT NOT NULL DEFAULT ''")]


class Store:
    """One SQLite connection guarded by a lock: the sandbox serialises requests, like a single
    Centra session would, so handlers never see another request's half-written state."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        """Add the columns a file made by an older sandbox lacks (``CREATE TABLE IF NOT EXISTS``
        leaves an existing table as it is), at the end, where the schema has them too."""
        for table, column, definition in ADDED_COLUMNS:
            present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if column in present:
                continue
            try:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            except sqlite3.OperationalError as error:
                # Another process opening the same file may have added it first.
                if "duplicate column" not in str(error):
                    raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and a transaction for the duration of one request or control call."""
        with self.lock:
            self.db.execute("BEGIN")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.db.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def is_loaded(self) -> bool:
        return self.one("SELECT 1 FROM products LIMIT 1") is not None

    def close(self) -> None:
        self.db.close()
