"""``POST products`` (and a category page of ``POST uri``): filter, count, facet, sort and page.

The ordered ids and the facets of a query are one "result set", cached per catalog version:
paging through a listing (a storefront's category page, a catalog sync) then costs one slice and
the serialization of the page, and any catalog change starts over from SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from centra_sandbox.catalog_cache import cached
from centra_sandbox.product_context import ProductContext
from centra_sandbox.product_facets import FILTERED_TABLE, facets, fill_filtered
from centra_sandbox.product_filters import filter_where, order_by, visible_where
from centra_sandbox.product_json import serialize_products
from centra_sandbox.product_query import ProductQuery


@dataclass
class ProductPage:
    """One page of a listing; ``filter`` is shared with the cache, so it is read-only."""

    products: list[dict[str, Any]]
    count: int
    filter: list[dict[str, Any]]


@dataclass(frozen=True)
class _ResultSet:
    ids: list[int]
    filter: list[dict[str, Any]]


def search_products(
    db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext
) -> ProductPage:
    """Filter, count, facet, sort and page the catalog, like ``POST products``."""
    results = _result_set(db, query, ctx)
    end = None if query.limit is None else query.skip_first + query.limit
    ids = results.ids[query.skip_first : end]
    products = serialize_products(
        db, ids, ctx, related=query.related, measurement_chart=query.measurement_chart
    )
    return ProductPage(products=products, count=len(results.ids), filter=results.filter)


def _result_set(db: sqlite3.Connection, query: ProductQuery, ctx: ProductContext) -> _ResultSet:
    filtered = filter_where(db, query, ctx)
    order_sql, order_params = order_by(db, query, ctx)
    # The SQL and its parameters say which ids and in what order; the rest of the context
    # says how facet data reads (language, preview flag).
    key = (
        "result set",
        filtered.sql,
        tuple(filtered.params),
        order_sql,
        tuple(order_params),
        ctx.market,
        ctx.preview,
        ctx.language,
        ctx.preview_flag,
    )
    return cached(
        db, key, lambda: _compute(db, filtered.sql, filtered.params, order_sql, order_params, ctx)
    )


def _compute(
    db: sqlite3.Connection,
    where_sql: str,
    where_params: list[Any],
    order_sql: str,
    order_params: list[Any],
    ctx: ProductContext,
) -> _ResultSet:
    # ``filter_where`` starts with the visibility clauses: nothing more means no filter, and the
    # facet counts are the context's totals.
    narrowed = where_sql != visible_where(ctx).sql
    if not narrowed:
        rows = db.execute(
            f"SELECT p.id FROM products p WHERE {where_sql} ORDER BY {order_sql}",  # noqa: S608
            (*where_params, *order_params),
        )
        return _ResultSet(ids=[row[0] for row in rows], filter=facets(db, ctx, narrowed=False))
    fill_filtered(db, where_sql, where_params)
    rows = db.execute(
        f"SELECT p.id FROM {FILTERED_TABLE} f JOIN products p ON p.id = f.id "  # noqa: S608
        f"ORDER BY {order_sql}",
        order_params,
    )
    return _ResultSet(ids=[row[0] for row in rows], filter=facets(db, ctx, narrowed=True))
