"""The SQL behind a product query: what a context may see, the query's filters and its sort
order, all over ``products p``; and the single-product visibility lookups."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from centra_sandbox.product_context import ALL, ProductContext, store_defaults
from centra_sandbox.product_query import ATTRIBUTE_FILTERS, ProductQuery

_FOLD_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """Lowercase without accents, so "Grön" and "gron" compare equal."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Where:
    """SQL conditions AND'd together, with their parameters in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1"


def marks(values: Sequence[Any]) -> str:
    """``?,?,?``: one placeholder per value, for an IN list."""
    return ",".join("?" * len(values))


def visible_where(ctx: ProductContext) -> Where:
    """The catalog as the context sees it, before any filter."""
    where = Where()
    if not ctx.preview:
        where.add("p.active = 1")
    if ctx.market != ALL:
        where.add(
            "EXISTS (SELECT 1 FROM product_markets m WHERE m.product_id = p.id "
            "AND m.market_id = ?)",
            ctx.market,
        )
    return where


def _priced_clause(ctx: ProductContext) -> tuple[str, list[Any]]:
    if ctx.pricelist == ALL:
        return "EXISTS (SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id)", []
    return (
        "EXISTS (SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id "
        "AND pp.pricelist_id = ?)",
        [ctx.pricelist],
    )


def filter_where(db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext) -> Where:
    """The visible catalog narrowed by the query's filters (its first clauses are the
    ``visible_where`` ones, so a query without filters has exactly those)."""
    where = visible_where(ctx)
    if query.products is not None:
        where.add(f"p.id IN ({marks(query.products)})", *query.products)
    if query.categories is not None:
        where.add(
            "p.id IN (SELECT product_id FROM product_categories "  # noqa: S608
            f"WHERE category_id IN ({marks(query.categories)}))",
            *query.categories,
        )
    if query.within_category is not None:
        where.add(
            "p.id IN (SELECT product_id FROM product_categories WHERE category_id = ?)",
            query.within_category,
        )
    if query.brands is not None:
        where.add(f"p.brand_id IN ({marks(query.brands)})", *query.brands)
    if query.collections is not None:
        where.add(f"p.collection_id IN ({marks(query.collections)})", *query.collections)
    if query.silk_product is not None:
        where.add("p.centra_product = ?", query.silk_product)
    if query.uri is not None:
        _add_uri_filter(where, query)
    for key, values in query.attributes.items():
        path = "$." + ".".join(f'"{part}"' for part in ATTRIBUTE_FILTERS[key])
        where.add(f"json_extract(p.attributes, ?) IN ({marks(values)})", path, *values)
    if query.item_names is not None or query.only_available:
        item_where = "i.product_id = p.id"
        item_params: list[Any] = []
        if query.item_names is not None:
            item_where += f" AND i.name IN ({marks(query.item_names)})"
            item_params.extend(query.item_names)
        if query.only_available:
            item_where += " AND i.stock > 0"
        where.add(f"EXISTS (SELECT 1 FROM items i WHERE {item_where})", *item_params)  # noqa: S608
    if query.only_available:
        clause, params = _priced_clause(ctx)
        where.add(clause, *params)
    _add_search(db, where, query.search, ctx)
    return where


def _add_uri_filter(where: Where, query: ProductQuery) -> None:
    alternatives = []
    params: list[Any] = []
    if "product" in query.uri_for:
        alternatives.append("p.uri = ?")
        params.append(query.uri)
    if "category" in query.uri_for:
        alternatives.append(
            "p.id IN (SELECT pc.product_id FROM product_categories pc "
            "JOIN categories c ON c.id = pc.category_id WHERE c.uri = ?)"
        )
        params.append(query.uri)
    where.add("(" + (" OR ".join(alternatives) or "0") + ")", *params)


def _add_search(db: sqlite3.Connection, where: Where, search: str, ctx: ProductContext) -> None:
    words = fold(search).split()
    if not words:
        return
    db.create_function("sandbox_fold", 1, fold, deterministic=True)
    default_language = store_defaults(db)[2]
    for word in words:
        # Texts in the context language, or the default language's where one is missing.
        where.add(
            "(p.id IN (SELECT t.product_id FROM product_texts t WHERE t.language = "
            "COALESCE((SELECT x.language FROM product_texts x WHERE x.product_id = "
            "t.product_id AND x.language = ?), ?) AND (instr(sandbox_fold(t.name), ?) "
            "OR instr(sandbox_fold(t.description), ?))) "
            "OR instr(sandbox_fold(p.sku), ?) OR instr(sandbox_fold(p.product_sku), ?) "
            "OR p.id IN (SELECT product_id FROM items WHERE instr(sandbox_fold(sku), ?) "
            "OR ean = ?))",
            ctx.language,
            default_language,
            word,
            word,
            word,
            word,
            word,
            word,
        )


def _category_sort_ids(query: ProductQuery, db: sqlite3.Connection) -> list[int]:
    if query.within_category is not None:
        return [query.within_category]
    if query.categories:
        return query.categories
    if query.uri is not None and "category" in query.uri_for:
        row = db.execute("SELECT id FROM categories WHERE uri = ?", (query.uri,)).fetchone()
        return [row[0]] if row else []
    return []


def order_by(
    db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext
) -> tuple[str, list[Any]]:
    """The ORDER BY terms over ``products p`` and their parameters; ``p.id`` ends every order,
    so the result is one total order and pages never overlap."""
    sort = query.sort or [("categoryItemSort", "asc")]
    terms: list[str] = []
    params: list[Any] = []
    category_ids = _category_sort_ids(query, db)
    for name, order in sort:
        direction = "DESC" if order == "desc" else "ASC"
        expr_params: list[Any] = []
        if name == "uri":
            expr = "p.uri"
        elif name == "createdAt":
            expr = "p.created_at"
        elif name == "modifiedAt":
            expr = "p.modified_at"
        elif name == "collectionUri":
            expr = "(SELECT uri FROM collections WHERE id = p.collection_id)"
        elif name == "priceAsNumber":
            pricelist = ctx.pricelist if ctx.pricelist != ALL else store_defaults(db)[1]
            expr = "(SELECT price FROM product_prices WHERE product_id = p.id AND pricelist_id = ?)"
            expr_params = [pricelist]
        elif category_ids:
            expr = (
                "(SELECT MIN(sort_order) FROM product_categories WHERE product_id = p.id "  # noqa: S608
                f"AND category_id IN ({marks(category_ids)}))"
            )
            expr_params = list(category_ids)
        else:
            expr = "p.sort_order"
        # Products without a value (no price, no collection) go last either way.
        terms.append(f"{expr} IS NULL, {expr} {direction}")
        params.extend(expr_params * 2)
    terms.append("p.sort_order, p.id")
    return ", ".join(terms), params


def visible_product_id(db: sqlite3.Connection, product: Any, ctx: ProductContext) -> int | None:
    """The id of a product the context may see (a path segment or a URI lookup), or None."""
    if isinstance(product, str):
        if not product.isdigit() or len(product) > 12:
            return None
        product = int(product)
    where = visible_where(ctx)
    where.add("p.id = ?", product)
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    return row[0] if row else None


def visible_product_by_uri(db: sqlite3.Connection, uri: str, ctx: ProductContext) -> int | None:
    """A product by its URI, also when prefixed with the URI of a category it is in
    ("womens/shoes/classic-sneaker-red")."""
    where = visible_where(ctx)
    where.add("p.uri = ?", uri)
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    if row:
        return row[0]
    prefix, _, last = uri.rpartition("/")
    if not prefix:
        return None
    where = visible_where(ctx)
    where.add("p.uri = ?", last)
    where.add(
        "p.id IN (SELECT pc.product_id FROM product_categories pc JOIN categories c "
        "ON c.id = pc.category_id WHERE c.uri = ?)",
        prefix,
    )
    row = db.execute(f"SELECT p.id FROM products p WHERE {where.sql}", where.params).fetchone()  # noqa: S608
    return row[0] if row else None
