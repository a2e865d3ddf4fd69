"""The Product JSON of the catalog routes and selection items.

A page is serialized in bulk: one query per table for all its ids (and a few more for their
related products), whatever the page size, with the small tables from ``catalog_lookups``.
``itemTable`` and ``measurementChart`` come from the product's size chart (``size_charts``).
"""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from centra_sandbox.catalog_lookups import CatalogLookups, catalog_lookups
from centra_sandbox.product_context import ALL, ProductContext, store_defaults
from centra_sandbox.product_filters import marks, visible_where
from centra_sandbox.product_prices import (
    lowest_price,
    price_fields,
    priced_subscription_plan_json,
    subscription_plan_json,
)
from centra_sandbox.size_charts import (
    CHARTS,
    EMPTY_MEASUREMENT_CHART,
    SizeChart,
    own_item_table,
)

# The plugin's stock mode: "yes" / "few" / "no" rather than numbers. The raw count stays in
# items.stock for code that needs it (``item_stock``).
FEW_STOCK = 3
MEDIA_SIZES = ("standard", "full", "thumb")
# SQLite's limit on bound parameters is 32766; stay well under it.
_CHUNK = 5000


def stock_label(stock: int) -> str:
    if stock <= 0:
        return "no"
    return "few" if stock <= FEW_STOCK else "yes"


def item_stock(db: sqlite3.Connection, item_id: str) -> int | None:
    """The raw stock count of an item, or None when it does not exist."""
    row = db.execute("SELECT stock FROM items WHERE id = ?", (item_id,)).fetchone()
    return row[0] if row else None


def media_url(base: str, size: str, key: str) -> str:
    return f"{base}/media/{size}/{key}.svg"


def _rows_for(
    db: sqlite3.Connection,
    sql: str,
    ids: Sequence[int],
    params: Sequence[Any] = (),
    leading: Sequence[Any] = (),
) -> list[sqlite3.Row]:
    """Run ``sql`` (with one ``{ids}`` placeholder for an IN list) over ``ids`` in chunks; the
    parameters bind as ``leading``, the ids, then ``params``, the order of their ``?`` marks."""
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        sql_for_chunk = sql.format(ids=marks(chunk))
        rows.extend(db.execute(sql_for_chunk, (*leading, *chunk, *params)).fetchall())
    return rows


def _group(rows: Iterable[sqlite3.Row], key: str = "product_id") -> dict[Any, list[sqlite3.Row]]:
    grouped: dict[Any, list[sqlite3.Row]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part)


# -- products ----------------------------------------------------------------------------------


def serialize_products(
    db: sqlite3.Connection,
    ids: Sequence[int],
    ctx: ProductContext,
    related: Literal["none", "variants", "all"] = "variants",
    embedded: bool = False,
    measurement_chart: bool = True,
) -> list[dict[str, Any]]:
    """Product objects for ``ids``, in that order (unknown ids are skipped).

    ``related``: "variants" gives the small ``{product, available, media, relation}`` form of
    variant relations; "all" gives full objects for variant and standard relations, each with
    its own variant relations in the small form; "none" leaves ``relatedProducts`` out.
    ``embedded`` drops the listing-only fields (``available``, ``prices``, ``markets``,
    ``relatedProducts``), as in selection items. ``measurement_chart`` false leaves
    ``measurementChart`` out (``POST products`` with ``"measurementChart": false``), of the
    related full objects too.
    """
    if not ids:
        return []
    ids = list(dict.fromkeys(ids))
    lookups = catalog_lookups(db, ctx)
    products = {
        r["id"]: r for r in _rows_for(db, "SELECT * FROM products WHERE id IN ({ids})", ids)
    }
    texts: dict[int, sqlite3.Row] = {}
    for row in _rows_for(
        db,
        "SELECT * FROM product_texts WHERE product_id IN ({ids}) AND language IN (?, ?) "
        "ORDER BY language = ?",
        ids,
        (ctx.language, lookups.default_language, ctx.language),
    ):
        # Ordered so the context language, when present, overwrites the default's.
        texts[row["product_id"]] = row
    prices = _group(_price_rows(db, ids, ctx))
    markets: dict[int, list[sqlite3.Row]] = {}
    if ctx.market == ALL and not embedded:
        # Only a listing across all markets says which markets each product is in.
        markets = _group(
            _rows_for(
                db,
                "SELECT product_id, market_id FROM product_markets WHERE product_id IN ({ids}) "
                "ORDER BY market_id",
                ids,
            )
        )
    memberships = _group(
        _rows_for(
            db,
            "SELECT product_id, category_id, sort_order FROM product_categories "
            "WHERE product_id IN ({ids})",
            ids,
        )
    )
    charts = {pid: CHARTS.get(row["size_chart"]) for pid, row in products.items()}
    items, item_tables = _items_json(db, ids, charts)
    media = _media_keys(db, ids)
    plans = _group(
        _rows_for(
            db,
            "SELECT x.product_id, s.* FROM product_subscription_plans x "
            "JOIN subscription_plans s ON s.id = x.plan_id WHERE x.product_id IN ({ids}) "
            "ORDER BY x.product_id, s.id",
            ids,
        )
    )
    result = [
        _product_json(
            products[pid],
            texts.get(pid),
            prices.get(pid, []),
            [m["market_id"] for m in markets.get(pid, [])],
            memberships.get(pid, []),
            items.get(pid, []),
            item_tables[pid],
            _measurement_chart(charts[pid]) if measurement_chart else None,
            media.get(pid, []),
            plans.get(pid, []),
            lookups,
            ctx,
            embedded,
        )
        for pid in ids
        if pid in products
    ]
    if related != "none" and not embedded:
        _attach_related(db, result, ctx, related, measurement_chart)
    return result


def _price_rows(
    db: sqlite3.Connection, ids: Sequence[int], ctx: ProductContext
) -> list[sqlite3.Row]:
    if ctx.pricelist == ALL:
        return _rows_for(
            db,
            "SELECT * FROM product_prices WHERE product_id IN ({ids}) ORDER BY pricelist_id",
            ids,
        )
    return _rows_for(
        db,
        "SELECT * FROM product_prices WHERE product_id IN ({ids}) AND pricelist_id = ?",
        ids,
        (ctx.pricelist,),
    )


def _items_json(
    db: sqlite3.Connection, ids: Sequence[int], charts: dict[int, SizeChart | None]
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, dict[str, Any]]]:
    """Each product's items, in position order, as the Product JSON lists them, and each
    product's ``itemTable`` (for every id in ``charts``). Built straight from the rows
    (unpacked, not looked up by name): a 200-product page has ~600 of them."""
    items: dict[int, list[dict[str, Any]]] = {}
    rows = _rows_for(
        db,
        "SELECT product_id, id, size_id, name, ean, sku, stock FROM items "
        "WHERE product_id IN ({ids}) ORDER BY product_id, position",
        ids,
    )
    # Products without a known chart, or with an item their chart lacks: a table of their own.
    own_table = {pid for pid, chart in charts.items() if chart is None}
    current = None
    cells: dict[int, tuple[int, int]] = {}
    product_items: list[dict[str, Any]] = []
    for product_id, item_id, size_id, name, ean, sku, stock in rows:
        if product_id != current:
            current = product_id
            chart = charts.get(product_id)
            cells = chart.cells if chart is not None else {}
            product_items = items[product_id] = []
        cell = cells.get(size_id)
        if cell is None:
            own_table.add(product_id)
            cell = (0, 0)
        product_items.append(
            {
                "item": item_id,
                "sizeId": str(size_id),
                "name": name,
                "ean": ean,
                "upc": "",
                "sku": sku,
                "itemTableX": cell[0],
                "itemTableY": cell[1],
                "stock": stock_label(stock),
            }
        )
    tables = {
        pid: chart.item_table
        if chart is not None and pid not in own_table
        else own_item_table(items.get(pid, []))
        for pid, chart in charts.items()
    }
    return items, tables


def _measurement_chart(chart: SizeChart | None) -> dict[str, Any]:
    return chart.measurement_chart if chart is not None else EMPTY_MEASUREMENT_CHART


def _media_keys(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    keys: dict[int, list[str]] = {}
    for row in _rows_for(
        db,
        "SELECT product_id, key FROM media WHERE product_id IN ({ids}) "
        "ORDER BY product_id, position",
        ids,
    ):
        keys.setdefault(row[0], []).append(row[1])
    return keys


def _media_json(keys: list[str], base: str) -> dict[str, list[str]] | list[Any]:
    if not keys:
        return []
    # ``media_url`` inlined: a 200-product page with its variants builds ~5,000 URLs.
    return {size: [f"{base}/media/{size}/{key}.svg" for key in keys] for size in MEDIA_SIZES}


def _categories_json(
    memberships: list[sqlite3.Row], lookups: CatalogLookups
) -> list[dict[str, Any]]:
    """A product's visible categories, each with its path, in the admin's tree order."""
    refs = lookups.category_refs
    shown = sorted(
        (refs[category_id], sort_order)
        for _, category_id, sort_order in memberships
        if category_id in refs
    )
    return [
        {
            "category": category,
            "name": list(names),
            "uri": uri,
            "sortOrder": sort_order,
            "pathIds": list(path_ids),
        }
        for (_, category, names, uri, path_ids), sort_order in shown
    ]


def _product_json(
    row: sqlite3.Row,
    text: sqlite3.Row | None,
    prices: list[sqlite3.Row],
    markets: list[int],
    memberships: list[sqlite3.Row],
    items: list[dict[str, Any]],
    item_table: dict[str, Any],
    measurement_chart: dict[str, Any] | None,
    media: list[str],
    plans: list[sqlite3.Row],
    lookups: CatalogLookups,
    ctx: ProductContext,
    embedded: bool,
) -> dict[str, Any]:
    brand = lookups.brands.get(row["brand_id"])
    collection = lookups.collections.get(row["collection_id"])
    category_id = row["category_id"] if row["category_id"] in lookups.categories else None
    name = text["name"] if text else ""
    excerpt = text["excerpt"] if text else ""
    description = text["description"] if text else ""
    data: dict[str, Any] = {
        "product": str(row["id"]),
        "name": name,
        "uri": row["uri"],
        "sku": row["sku"],
        "productSku": row["product_sku"],
        "brand": str(brand["id"]) if brand else "",
        "brandName": brand["name"] if brand else "",
        "brandUri": brand["uri"] if brand else "",
        "collection": str(collection["id"]) if collection else "",
        "collectionName": collection["name"] if collection else "",
        "collectionUri": collection["uri"] if collection else "",
        "variantName": row["variant_name"],
        "countryOrigin": row["country_origin"],
        "excerpt": excerpt,
        "excerptHtml": _paragraphs(excerpt),
        "description": description,
        "descriptionHtml": _paragraphs(description),
        "metaTitle": text["meta_title"] if text else "",
        "metaDescription": text["meta_description"] if text else "",
        "metaKeywords": text["meta_keywords"] if text else "",
        "stockUnit": "",
        "category": str(category_id) if category_id is not None else "",
        "categoryName": lookups.category_names(category_id) if category_id is not None else [],
        "categoryUri": lookups.categories[category_id]["uri"] if category_id is not None else "",
        "categories": _categories_json(memberships, lookups),
        "centraProduct": str(row["centra_product"]),
        "centraVariant": str(row["centra_variant"]),
        "createdAt": row["created_at"],
        "modifiedAt": row["modified_at"],
        "itemQuantityMinimum": 1,
        "itemQuantityMultipleOf": 1,
    }
    # Only "no" means no stock at all.
    in_stock = any(item["stock"] != "no" for item in items)
    if ctx.pricelist == ALL:
        if not embedded:
            data["prices"] = {
                str(p["pricelist_id"]): price_fields(p, lookups.currencies.get(p["pricelist_id"]))
                for p in prices
            }
        priced = bool(prices)
        data["subscriptionPlans"] = [subscription_plan_json(plan) for plan in plans]
    else:
        price = prices[0] if prices else None
        currency = lookups.currencies.get(ctx.pricelist)
        data.update(price_fields(price, currency))
        data["lowestPrice"] = lowest_price(price, currency)
        data["subscriptionPlans"] = [
            priced_subscription_plan_json(plan, price, currency) for plan in plans
        ]
        priced = price is not None
    if not embedded:
        data["available"] = priced and in_stock
        if ctx.market == ALL:
            data["markets"] = markets
    # Shared with every product of the same chart: read-only.
    data["itemTable"] = item_table
    # The sandbox has no localized size charts; the fields are there, empty, as in Centra.
    data["tableMappings"] = {}
    data["defaultLocalizedChart"] = ""
    data["items"] = items
    data["media"] = _media_json(media, ctx.media_base)
    if measurement_chart is not None:
        data["measurementChart"] = measurement_chart
    data[ctx.preview_flag] = not row["active"]
    try:
        attributes = json.loads(row["attributes"] or "{}")
    except ValueError:
        attributes = {}
    if isinstance(attributes, dict):
        for key, value in attributes.items():
            data.setdefault(key, value)
    return data


# -- related products --------------------------------------------------------------------------


def _attach_related(
    db: sqlite3.Connection,
    products: list[dict[str, Any]],
    ctx: ProductContext,
    related: Literal["variants", "all"],
    measurement_chart: bool,
) -> None:
    """Set ``relatedProducts`` on each product: the related products the context may see,
    variants first, then in the admin's sort order. As before the split, the key is left out of
    every product when none of the page's products has any relation."""
    rows = _rows_for(
        db,
        "SELECT r.product_id, r.related_id, r.relation, p.sort_order FROM related_products r "
        "JOIN products p ON p.id = r.related_id WHERE r.product_id IN ({ids})",
        [int(p["product"]) for p in products],
    )
    if not rows:
        return
    # Sorted here rather than in SQL, where the ORDER BY over the join costs a temp B-tree.
    rows.sort(key=lambda r: (r[0], r[2] == "standard", r[3], r[1]))
    relations = _group(rows)
    # The small form shows variant relations only, and only three fields of each.
    wanted = sorted(
        {r["related_id"] for r in rows if related == "all" or r["relation"] == "variant"}
    )
    if related == "all":
        # Full related products carry their own relations, in the short form only.
        objects = {
            int(p["product"]): p
            for p in serialize_products(
                db,
                _visible_ids(db, wanted, ctx),
                ctx,
                related="variants",
                measurement_chart=measurement_chart,
            )
        }
        for nested in objects.values():
            nested.setdefault("relatedProducts", [])
    else:
        objects = _variant_summaries(db, wanted, ctx)
    for product in products:
        product["relatedProducts"] = [
            {**objects[rel["related_id"]], "relation": rel["relation"]}
            for rel in relations.get(int(product["product"]), [])
            if rel["related_id"] in objects and (related == "all" or rel["relation"] == "variant")
        ]


def _visible_ids(db: sqlite3.Connection, ids: list[int], ctx: ProductContext) -> list[int]:
    if not ids:
        return []
    where = visible_where(ctx)
    sql = f"SELECT p.id FROM products p WHERE p.id IN ({{ids}}) AND {where.sql} ORDER BY p.id"  # noqa: S608
    return [row[0] for row in _rows_for(db, sql, ids, where.params)]


def _variant_summaries(
    db: sqlite3.Connection, ids: list[int], ctx: ProductContext
) -> dict[int, dict[str, Any]]:
    """``{product, available, media}`` of each of ``ids`` the context may see: the fields of
    the small relation form, worked out as ``_product_json`` does without the whole object."""
    if not ids:
        return {}
    where = visible_where(ctx)
    priced = "SELECT 1 FROM product_prices pp WHERE pp.product_id = p.id"
    priced_params: tuple[Any, ...] = ()
    if ctx.pricelist != ALL:
        priced += " AND pp.pricelist_id = ?"
        priced_params = (ctx.pricelist,)
    rows = _rows_for(
        db,
        f"SELECT p.id, EXISTS ({priced}) AND EXISTS (SELECT 1 FROM items i "  # noqa: S608
        "WHERE i.product_id = p.id AND i.stock > 0) "
        f"FROM products p WHERE p.id IN ({{ids}}) AND {where.sql} ORDER BY p.id",
        ids,
        where.params,
        leading=priced_params,
    )
    media = _media_keys(db, [row[0] for row in rows])
    return {
        pid: {
            "product": str(pid),
            "available": bool(available),
            "media": _media_json(media.get(pid, []), ctx.media_base),
        }
        for pid, available in rows
    }


# -- single products ---------------------------------------------------------------------------


def serialize_product(
    db: sqlite3.Connection,
    product_id: int,
    ctx: ProductContext,
    related: Literal["none", "variants", "all"] = "variants",
    embedded: bool = False,
) -> dict[str, Any] | None:
    """One product object, or None when the id does not exist (visibility is not checked)."""
    found = serialize_products(db, [product_id], ctx, related=related, embedded=embedded)
    return found[0] if found else None


def selection_item_product(
    db: sqlite3.Connection, product_id: int, place: Any, media_base: str = ""
) -> dict[str, Any]:
    """The ``product`` of a selection item: a Product without the listing-only fields, for the
    selection's market, pricelist and language (``place`` has those three attributes)."""
    market, pricelist, language = store_defaults(db)
    ctx = ProductContext(
        market=getattr(place, "market", None) or market,
        pricelist=getattr(place, "pricelist", None) or pricelist,
        language=getattr(place, "language", None) or language,
        media_base=media_base,
    )
    return serialize_product(db, product_id, ctx, related="none", embedded=True) or {}
