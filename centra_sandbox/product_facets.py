"""The ``filter`` of a product listing: per facet value, ``count`` in the filtered set and
``totalCount`` in the whole catalog the context sees.

The totals, their order and their ``data`` depend only on the context and the catalog, so they
are computed once per catalog version (``catalog_cache``); a filtered listing then only counts
its own ids, with one GROUP BY per facet over the ``temp.sandbox_filtered`` id table.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from centra_sandbox.catalog_cache import cached
from centra_sandbox.catalog_lookups import CatalogLookups, catalog_lookups
from centra_sandbox.product_context import ProductContext
from centra_sandbox.product_filters import visible_where
from centra_sandbox.product_query import ATTRIBUTE_FILTERS

# The id table a filtered listing fills (``fill_filtered``) before asking for facet counts.
FILTERED_TABLE = "temp.sandbox_filtered"


@dataclass(frozen=True)
class _Facet:
    """One facet over the visible catalog: its values in display order with their totals and
    data, and the query that counts them over ``FILTERED_TABLE`` (value, count)."""

    field: str
    values: list[tuple[Any, int, dict[str, Any]]]
    count_sql: str
    count_params: tuple[Any, ...] = ()


def fill_filtered(db: sqlite3.Connection, where_sql: str, params: list[Any]) -> None:
    """Put the ids of ``products p`` matching ``where_sql`` into ``FILTERED_TABLE``, so the
    filters run once however many queries then join the filtered set."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS sandbox_filtered (id INTEGER PRIMARY KEY)")
    db.execute(f"DELETE FROM {FILTERED_TABLE}")  # noqa: S608
    db.execute(
        f"INSERT INTO {FILTERED_TABLE} SELECT p.id FROM products p WHERE {where_sql}",  # noqa: S608
        params,
    )


def facets(db: sqlite3.Connection, ctx: ProductContext, narrowed: bool) -> list[dict[str, Any]]:
    """The ``filter`` list; with ``narrowed`` the counts come from ``FILTERED_TABLE``, else the
    filtered set is the visible catalog and each count is its total.

    The unnarrowed list is cached and shared: treat it as read-only.
    """
    if not narrowed:
        key = ("facets", ctx.market, ctx.preview, ctx.language, ctx.preview_flag)
        return cached(db, key, lambda: _facet_json(_totals(db, ctx), None))
    totals = _totals(db, ctx)
    counts = [
        {row[0]: row[1] for row in db.execute(facet.count_sql, facet.count_params)}
        for facet in totals
    ]
    return _facet_json(totals, counts)


def _facet_json(totals: list[_Facet], counts: list[dict[Any, int]] | None) -> list[dict[str, Any]]:
    return [
        {
            "field": facet.field,
            "values": [
                {
                    "value": str(value),
                    "count": total if counts is None else counts[n].get(value, 0),
                    "totalCount": total,
                    "data": data,
                }
                for value, total, data in facet.values
            ],
        }
        for n, facet in enumerate(totals)
    ]


def _totals(db: sqlite3.Connection, ctx: ProductContext) -> list[_Facet]:
    key = ("facet totals", ctx.market, ctx.preview, ctx.language, ctx.preview_flag)
    return cached(db, key, lambda: _compute_totals(db, ctx, catalog_lookups(db, ctx)))


def _values(
    rows: list[sqlite3.Row], data: dict[Any, dict[str, Any]]
) -> list[tuple[Any, int, dict[str, Any]]]:
    # Products without a value (no brand, no swatch) are counted in no facet value.
    return [
        (row["value"], row["total"], data.get(row["value"], {}))
        for row in rows
        if row["value"] is not None and row["value"] != ""
    ]


def _compute_totals(
    db: sqlite3.Connection, ctx: ProductContext, lookups: CatalogLookups
) -> list[_Facet]:
    visible = visible_where(ctx)
    products = f"FROM products p WHERE {visible.sql}"
    params = visible.params
    brands = db.execute(
        f"SELECT p.brand_id AS value, COUNT(*) AS total {products} "  # noqa: S608
        "GROUP BY p.brand_id ORDER BY (SELECT name FROM brands WHERE id = p.brand_id)",
        params,
    ).fetchall()
    collections = db.execute(
        f"SELECT p.collection_id AS value, COUNT(*) AS total {products} "  # noqa: S608
        "GROUP BY p.collection_id "
        "ORDER BY (SELECT name FROM collections WHERE id = p.collection_id)",
        params,
    ).fetchall()
    categories = db.execute(
        "SELECT pc.category_id AS value, COUNT(*) AS total "  # noqa: S608
        "FROM products p JOIN product_categories pc ON pc.product_id = p.id "
        f"WHERE {visible.sql} GROUP BY pc.category_id",
        params,
    ).fetchall()
    # Categories hidden from the context are left out; the rest follow the admin's tree order.
    category_order = {cid: n for n, cid in enumerate(lookups.category_order)}
    categories = sorted(
        (row for row in categories if row["value"] in lookups.categories),
        key=lambda row: category_order.get(row["value"], len(category_order)),
    )
    by_product = f"FROM {FILTERED_TABLE} f JOIN products p ON p.id = f.id"
    result = [
        _Facet(
            "brands",
            _values(
                brands,
                {
                    bid: {"brand": str(bid), "brandName": b["name"]}
                    for bid, b in lookups.brands.items()
                },
            ),
            f"SELECT p.brand_id, COUNT(*) {by_product} GROUP BY p.brand_id",
        ),
        _Facet(
            "categories",
            _values(categories, {cid: lookups.category_json(cid) for cid in lookups.categories}),
            f"SELECT pc.category_id, COUNT(*) FROM {FILTERED_TABLE} f "  # noqa: S608
            "JOIN product_categories pc ON pc.product_id = f.id GROUP BY pc.category_id",
        ),
        _Facet(
            "collections",
            _values(
                collections,
                {
                    cid: {"collection": str(cid), "collectionName": c["name"]}
                    for cid, c in lookups.collections.items()
                },
            ),
            f"SELECT p.collection_id, COUNT(*) {by_product} GROUP BY p.collection_id",
        ),
    ]
    for key, (attribute, element) in ATTRIBUTE_FILTERS.items():
        path = f'$."{attribute}"."{element}"'
        rows = db.execute(
            "SELECT json_extract(p.attributes, ?) AS value, COUNT(*) AS total, "
            f"MIN(json_extract(p.attributes, ?)) AS data {products} "
            "GROUP BY value ORDER BY value",
            (path, f'$."{attribute}"', *params),
        ).fetchall()
        data = {row["value"]: json.loads(row["data"]) for row in rows if row["data"]}
        result.append(
            _Facet(
                key,
                _values(rows, data),
                f"SELECT json_extract(p.attributes, ?) AS value, COUNT(*) {by_product} "
                "GROUP BY value",
                (path,),
            )
        )
    sizes = db.execute(
        # A product's sizes have distinct names, so rows count products.
        "SELECT i.name AS value, COUNT(*) AS total "  # noqa: S608
        f"FROM products p JOIN items i ON i.product_id = p.id WHERE {visible.sql} "
        "GROUP BY i.name ORDER BY MIN(i.size_id), i.name",
        params,
    ).fetchall()
    result.append(
        _Facet(
            "items.name",
            _values(sizes, {row["value"]: {"name": row["value"]} for row in sizes}),
            f"SELECT i.name, COUNT(*) FROM {FILTERED_TABLE} f "  # noqa: S608
            "JOIN items i ON i.product_id = f.id GROUP BY i.name",
        )
    )
    return result
