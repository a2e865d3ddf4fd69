"""What the local catalog should hold, computed straight from the sandbox's own store (its SQL
tables), so the sync's results are checked against the source rather than against itself."""

from __future__ import annotations

import math
from typing import Any

from django.db import models

from catalog import models as catalog
from centra_sandbox import Store

# Products the Checkout API lists in at least one market: active and sold somewhere.
VISIBLE = (
    "SELECT p.id FROM products p WHERE p.active = 1 "
    "AND EXISTS (SELECT 1 FROM product_markets m WHERE m.product_id = p.id)"
)

CATALOG_MODELS: dict[str, type[models.Model]] = {
    "product": catalog.Product,
    "productmarket": catalog.ProductMarket,
    "producttext": catalog.ProductText,
    "productprice": catalog.ProductPrice,
    "item": catalog.Item,
    "productcategory": catalog.ProductCategory,
    "relatedproduct": catalog.RelatedProduct,
    "market": catalog.Market,
    "pricelist": catalog.Pricelist,
    "language": catalog.Language,
    "country": catalog.Country,
    "state": catalog.State,
    "brand": catalog.Brand,
    "collection": catalog.Collection,
    "category": catalog.Category,
    "categorytext": catalog.CategoryText,
}
# Bookkeeping columns: they say when a run saw or wrote a row, not what Centra holds.
BOOKKEEPING = ("last_seen_run", "synced_at")


def _one(store: Store, sql: str, params: tuple = ()) -> Any:
    return store.one(sql, params)[0]


def default_language(store: Store) -> str:
    return _one(store, "SELECT code FROM languages ORDER BY is_default DESC, code LIMIT 1")


def languages(store: Store) -> list[str]:
    """In the order the sync reads them: the default first, then by code."""
    rows = store.all("SELECT code FROM languages ORDER BY is_default DESC, code")
    return [row[0] for row in rows]


def products_per_market(store: Store) -> dict[int, int]:
    rows = store.all(
        f"SELECT m.market_id, COUNT(*) FROM product_markets m WHERE m.product_id IN ({VISIBLE}) "  # noqa: S608
        "GROUP BY m.market_id ORDER BY m.market_id"
    )
    return {row[0]: row[1] for row in rows}


def prices_per_pricelist(store: Store) -> dict[int, int]:
    rows = store.all(
        f"SELECT pricelist_id, COUNT(*) FROM product_prices WHERE product_id IN ({VISIBLE}) "  # noqa: S608
        "GROUP BY pricelist_id ORDER BY pricelist_id"
    )
    return {row[0]: row[1] for row in rows}


def texts_per_language(store: Store) -> dict[str, int]:
    """The API falls back to the default language's text, so a product has a text in every
    language where it has one of its own or a default one."""
    default = default_language(store)
    return {
        code: _one(
            store,
            f"SELECT COUNT(*) FROM ({VISIBLE}) v WHERE EXISTS (SELECT 1 FROM product_texts t "  # noqa: S608
            "WHERE t.product_id = v.id AND t.language IN (?, ?))",
            (code, default),
        )
        for code in languages(store)
    }


def counts(store: Store) -> dict[str, int]:
    """Rows per local model after a full sync of the sandbox's catalog."""
    active_categories = _one(store, "SELECT COUNT(*) FROM categories WHERE active = 1")
    return {
        "product": _one(store, f"SELECT COUNT(*) FROM ({VISIBLE})"),  # noqa: S608
        "productmarket": sum(products_per_market(store).values()),
        "producttext": sum(texts_per_language(store).values()),
        "productprice": sum(prices_per_pricelist(store).values()),
        "item": _one(store, f"SELECT COUNT(*) FROM items WHERE product_id IN ({VISIBLE})"),  # noqa: S608
        "productcategory": _one(
            store,
            "SELECT COUNT(*) FROM product_categories pc JOIN categories c "  # noqa: S608
            f"ON c.id = pc.category_id AND c.active = 1 WHERE pc.product_id IN ({VISIBLE})",
        ),
        # A relation shows when both products are active and share a market.
        "relatedproduct": _one(
            store,
            "SELECT COUNT(*) FROM related_products r "
            "JOIN products a ON a.id = r.product_id AND a.active = 1 "
            "JOIN products b ON b.id = r.related_id AND b.active = 1 "
            "WHERE EXISTS (SELECT 1 FROM product_markets ma JOIN product_markets mb "
            "ON mb.market_id = ma.market_id AND mb.product_id = r.related_id "
            "WHERE ma.product_id = r.product_id)",
        ),
        "market": _one(store, "SELECT COUNT(*) FROM markets"),
        "pricelist": _one(store, "SELECT COUNT(*) FROM pricelists"),
        "language": len(languages(store)),
        "country": _one(store, "SELECT COUNT(*) FROM countries"),
        "state": _one(store, "SELECT COUNT(*) FROM states"),
        "brand": _one(store, "SELECT COUNT(*) FROM brands"),
        "collection": _one(store, "SELECT COUNT(*) FROM collections"),
        "category": active_categories,
        "categorytext": active_categories * len(languages(store)),
    }


def reference_calls(store: Store) -> int:
    """markets, pricelists, languages, countries/all, brands, collections; categories per
    language."""
    return 6 + len(languages(store))


def product_pages(store: Store, page_size: int) -> int:
    """``POST products`` calls of a full sync: every market x language, page by page."""
    per_language = sum(
        max(1, math.ceil(n / page_size)) for n in products_per_market(store).values()
    )
    return per_language * len(languages(store))


def local_counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in CATALOG_MODELS.items()}


def snapshot(*, surrogate_ids: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Every catalog row's content, bookkeeping aside. Without ``surrogate_ids``, the
    database's own ids of rows keyed by other columns (texts, prices, links) are left out,
    to compare a copy whose rows were recreated."""
    result = {}
    for name, model in CATALOG_MODELS.items():
        left_out = set(BOOKKEEPING)
        if not surrogate_ids and isinstance(model._meta.pk, models.AutoField):
            left_out.add(model._meta.pk.attname)
        rows = [
            {k: v for k, v in row.items() if k not in left_out}
            for row in model.objects.order_by("pk").values()
        ]
        result[name] = sorted(rows, key=repr) if not surrogate_ids else rows
    return result


def zero_counts() -> dict[str, dict[str, int]]:
    return {name: {"created": 0, "updated": 0, "deleted": 0} for name in CATALOG_MODELS}
