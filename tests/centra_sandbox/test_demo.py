"""The demo catalog: deterministic, complete, and varied enough for every other test."""

from __future__ import annotations

import json
import sqlite3

import pytest

from centra_sandbox import Store
from centra_sandbox.demo import CATALOG_TABLES, load_demo


def dump(store: Store) -> dict[str, list[tuple]]:
    return {
        table: [tuple(row) for row in store.all(f"SELECT * FROM {table} ORDER BY 1, 2")]  # noqa: S608
        for table in CATALOG_TABLES
    }


def count(db: sqlite3.Connection, sql: str, params: tuple = ()) -> int:
    return db.execute(sql, params).fetchone()[0]


@pytest.fixture(scope="module")
def demo() -> sqlite3.Connection:
    store = Store()
    load_demo(store, products=60, seed=1)
    return store.db


def test_same_seed_gives_identical_data() -> None:
    first, second = Store(), Store()
    load_demo(first, products=80, seed=7)
    load_demo(second, products=80, seed=7)
    assert dump(first) == dump(second)


def test_another_seed_gives_other_products() -> None:
    first, second = Store(), Store()
    load_demo(first, products=40, seed=1)
    load_demo(second, products=40, seed=2)
    uris = "SELECT uri FROM products ORDER BY id"
    assert [r[0] for r in first.all(uris)] != [r[0] for r in second.all(uris)]


def test_reloading_replaces_the_catalog_and_records_seed_and_count() -> None:
    store = Store()
    load_demo(store, products=30, seed=3)
    load_demo(store, products=12, seed=4)
    assert count(store.db, "SELECT COUNT(*) FROM products") == 12
    assert store.get_meta("demo_seed") == 4
    assert store.get_meta("demo_products") == 12


def test_load_inside_an_open_transaction_joins_it() -> None:
    store = Store()
    with store.transaction():
        load_demo(store, products=5, seed=1)
    assert count(store.db, "SELECT COUNT(*) FROM products") == 5


def test_ten_thousand_products_load(ten_thousand_store: Store) -> None:
    store = ten_thousand_store
    assert count(store.db, "SELECT COUNT(*) FROM products") == 10_000
    assert count(store.db, "SELECT COUNT(DISTINCT uri) FROM products") == 10_000
    assert count(store.db, "SELECT MIN(id) FROM products") == 101
    assert count(store.db, "SELECT MAX(id) FROM products") == 10_100


def test_settings_tables(demo: sqlite3.Connection) -> None:
    currencies = {r["code"]: tuple(r) for r in demo.execute("SELECT * FROM currencies")}
    assert currencies["SEK"] == ("SEK", "Swedish krona", "", " SEK", ".", 2, " ", 100, "sek")
    assert currencies["USD"][2:4] == ("$ ", " USD")
    assert [tuple(r) for r in demo.execute("SELECT * FROM markets ORDER BY id")] == [
        (1, "Europe", 1, 0),
        (2, "North America", 0, 0),
        (3, "VIP", 0, 1),
    ]
    pricelists = [tuple(r) for r in demo.execute("SELECT id, is_default, currency FROM pricelists")]
    assert pricelists == [(1, 1, "SEK"), (2, 0, "EUR"), (3, 0, "USD"), (4, 0, "SEK")]
    languages = [tuple(r) for r in demo.execute("SELECT code, is_default FROM languages")]
    assert languages == [("en", 1), ("sv", 0), ("de", 0)]


def test_countries_cover_tax_modes_and_an_unshippable_country(demo: sqlite3.Connection) -> None:
    assert count(demo, "SELECT COUNT(*) FROM countries") == 12
    us = demo.execute("SELECT * FROM countries WHERE code = 'US'").fetchone()
    assert (us["market"], us["pricelist"], us["tax_included"]) == (2, 3, 0)
    se = demo.execute("SELECT * FROM countries WHERE code = 'SE'").fetchone()
    assert (se["pricelist"], se["language"], se["tax_percent"], se["tax_included"]) == (
        1,
        "sv",
        25.0,
        1,
    )
    assert [r[0] for r in demo.execute("SELECT code FROM countries WHERE ship_to = 0")] == ["CH"]
    # The fifty states and DC; Canada's ten provinces and three territories.
    assert count(demo, "SELECT COUNT(*) FROM states WHERE country = 'US'") == 51
    assert count(demo, "SELECT COUNT(*) FROM states WHERE country = 'CA'") == 13
    assert count(demo, "SELECT COUNT(*) FROM states WHERE country NOT IN ('US', 'CA')") == 0
    taxed = demo.execute(
        "SELECT code, tax_percent FROM states WHERE tax_percent IS NOT NULL ORDER BY code"
    ).fetchall()
    assert [tuple(row) for row in taxed] == [
        ("CA", 7.25),
        ("FL", 6.0),
        ("NY", 4.0),
        ("OR", 0.0),
        ("TX", 6.25),
        ("WA", 6.5),
    ]


def test_category_tree_is_two_levels_with_path_uris(demo: sqlite3.Connection) -> None:
    rows = demo.execute(
        "SELECT c.uri, p.uri AS parent FROM categories c LEFT JOIN categories p "
        "ON p.id = c.parent_id ORDER BY c.id"
    ).fetchall()
    for row in rows:
        if row["parent"] is None:
            assert "/" not in row["uri"]
        else:
            assert row["uri"].startswith(row["parent"] + "/")
            assert row["uri"].count("/") == 1
    assert "womens/shoes" in [r["uri"] for r in rows]
    assert [r[0] for r in demo.execute("SELECT uri FROM categories WHERE active = 0")] == [
        "womens/capsule"
    ]
    names = {
        r["language"]: r["name"]
        for r in demo.execute(
            "SELECT t.language, t.name FROM category_texts t JOIN categories c "
            "ON c.id = t.category_id WHERE c.uri = 'womens'"
        )
    }
    assert names == {"en": "Womens", "sv": "Dam", "de": "Damen"}


def test_products_have_the_required_variety(demo: sqlite3.Connection) -> None:
    assert count(demo, "SELECT COUNT(*) FROM products") == 60
    sizes = [r[0] for r in demo.execute("SELECT COUNT(*) FROM items GROUP BY product_id")]
    assert min(sizes) >= 1
    assert max(sizes) <= 6
    assert count(demo, "SELECT COUNT(*) FROM items WHERE id != product_id || '-' || size_id") == 0
    sold_out = count(
        demo,
        "SELECT COUNT(*) FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM items i WHERE i.product_id = p.id AND i.stock > 0)",
    )
    assert sold_out >= 3
    assert count(demo, "SELECT COUNT(*) FROM items WHERE stock BETWEEN 1 AND 3") >= 1
    assert count(demo, "SELECT COUNT(*) FROM items WHERE stock >= 100") >= 1
    assert (
        count(demo, "SELECT COUNT(*) FROM product_prices WHERE price < price_before_discount") >= 8
    )
    assert count(demo, "SELECT COUNT(*) FROM product_prices WHERE show_as_new = 1") >= 1
    assert count(demo, "SELECT COUNT(*) FROM products WHERE active = 0") >= 2


def test_some_products_lack_a_price_or_a_market(demo: sqlite3.Connection) -> None:
    no_usd = count(
        demo,
        "SELECT COUNT(*) FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id AND pp.pricelist_id = 3)",
    )
    assert no_usd >= 3
    vip_only = count(
        demo,
        "SELECT COUNT(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_markets m "
        "WHERE m.product_id = p.id AND m.market_id != 3)",
    )
    assert vip_only >= 2
    assert count(demo, "SELECT COUNT(*) FROM product_markets WHERE market_id = 2") < 60


def test_relations_media_and_attributes(demo: sqlite3.Connection) -> None:
    relations = {r[0] for r in demo.execute("SELECT DISTINCT relation FROM related_products")}
    assert relations == {"variant", "standard"}
    # Variants share the backend product id.
    mismatched = count(
        demo,
        "SELECT COUNT(*) FROM related_products r JOIN products a ON a.id = r.product_id "
        "JOIN products b ON b.id = r.related_id "
        "WHERE r.relation = 'variant' AND a.centra_product != b.centra_product",
    )
    assert mismatched == 0
    assert count(demo, "SELECT COUNT(*) FROM media") >= 60
    attributes = json.loads(
        demo.execute("SELECT attributes FROM products WHERE variant_name = 'Red'").fetchone()[0]
    )
    assert attributes["swatch"] == {"desc": "Red", "hex": "ff0000"}


def test_every_product_is_translated(demo: sqlite3.Connection) -> None:
    languages = demo.execute(
        "SELECT language, COUNT(*) FROM product_texts GROUP BY language ORDER BY language"
    ).fetchall()
    assert [tuple(r) for r in languages] == [("de", 60), ("en", 60), ("sv", 60)]


def test_cms_vouchers_and_checkout_methods(demo: sqlite3.Connection) -> None:
    articles = [tuple(r) for r in demo.execute("SELECT uri, active, is_home FROM cms_articles")]
    assert articles == [
        ("home", 1, 1),
        ("about", 1, 0),
        ("customer-service/shipping", 1, 0),
        ("summer-preview", 0, 0),
        ("customer-service/returns", 1, 0),
        ("terms", 1, 0),
        ("privacy", 1, 0),
    ]
    parts = json.loads(
        demo.execute(
            "SELECT parts FROM cms_texts WHERE article_id = 1 AND language = 'sv'"
        ).fetchone()[0]
    )
    assert [p["type"] for p in parts] == ["text", "image", "products"]
    vouchers = {r[0]: r[1] for r in demo.execute("SELECT code, kind FROM vouchers")}
    assert vouchers == {
        "WELCOME10": "percent",
        "SAVE100": "fixed",
        "TEST+CODE": "percent",
        "FREE100": "percent",
    }
    kinds = [
        tuple(r) for r in demo.execute("SELECT id, kind FROM payment_methods ORDER BY position")
    ]
    assert kinds == [
        ("sandbox-redirect", "redirect"),
        ("sandbox-form", "form"),
        ("sandbox-direct", "direct"),
        ("sandbox-widget", "widget"),
    ]
    # Every shippable country has a standard and an express rate in every pricelist.
    assert count(demo, "SELECT COUNT(*) FROM shipping_rates WHERE method_id = 'standard'") == 11 * 4
    assert count(demo, "SELECT COUNT(*) FROM shipping_rates WHERE country = 'CH'") == 0
    assert count(demo, "SELECT COUNT(*) FROM shipping_rates WHERE method_id = 'pickup'") == 4
