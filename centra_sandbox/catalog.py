"""Catalog routes: products, categories, brands, collections and ``POST uri`` routing."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from centra_sandbox.catalog_lookups import catalog_lookups
from centra_sandbox.http import ApiError, Call, api
from centra_sandbox.product_context import ProductContext, product_context
from centra_sandbox.product_filters import visible_product_by_uri, visible_product_id
from centra_sandbox.product_json import serialize_product
from centra_sandbox.product_query import MAX_URI, parse_query
from centra_sandbox.product_search import search_products
from centra_sandbox.request_args import string_list


@api.route("POST", "products")
def list_products(call: Call) -> dict[str, Any]:
    ctx = product_context(call)
    page = search_products(call.db, parse_query(call.body), ctx)
    return {"products": page.products, "productCount": page.count, "filter": page.filter}


@api.route("GET", "products/{product}")
def get_product(call: Call) -> dict[str, Any]:
    ctx = product_context(call)
    product_id = visible_product_id(call.db, call.params["product"], ctx)
    product = serialize_product(call.db, product_id, ctx) if product_id is not None else None
    if product is None:
        raise ApiError(404, {"product": "not found"})
    return {"product": product}


def categories_json(db: sqlite3.Connection, ctx: ProductContext) -> list[dict[str, Any]]:
    """Every published category (unpublished too in preview), in the admin's tree order."""
    lookups = catalog_lookups(db, ctx)
    return [lookups.category_json(cid) for cid in lookups.category_order]


@api.route("GET", "categories")
def get_categories(call: Call) -> dict[str, Any]:
    return {"categories": categories_json(call.db, product_context(call))}


@api.route("POST", "categories")
def post_categories(call: Call) -> dict[str, Any]:
    return {"categories": categories_json(call.db, product_context(call))}


@api.route("GET", "brands")
def get_brands(call: Call) -> dict[str, Any]:
    rows = call.db.execute("SELECT * FROM brands ORDER BY name, id").fetchall()
    return {
        "brands": [
            {
                "brand": str(row["id"]),
                "uri": row["uri"],
                "name": row["name"],
                "metaKeywords": row["meta_keywords"],
                "metaTitle": row["meta_title"],
                "metaDescription": row["meta_description"],
            }
            for row in rows
        ]
    }


@api.route("GET", "collections")
def get_collections(call: Call) -> dict[str, Any]:
    rows = call.db.execute("SELECT * FROM collections ORDER BY name, id").fetchall()
    return {
        "collections": [
            {"collection": str(row["id"]), "uri": row["uri"], "name": row["name"]} for row in rows
        ]
    }


# -- routing -----------------------------------------------------------------------------------


@api.route("POST", "uri")
def resolve_uri(call: Call) -> dict[str, Any]:
    body = call.body
    uri = body.get("uri")
    if uri is None:
        raise ApiError(400, {"uri": "required"})
    if not isinstance(uri, str) or len(uri) > MAX_URI:
        raise ApiError(400, {"uri": "must be a string"})
    if body.get("for") is None:
        raise ApiError(400, {"for": "required"})
    kinds = string_list(body["for"], "for")
    uri = uri.strip().strip("/")
    ctx = product_context(call)
    # The rest of the body filters, sorts and pages a category's products like POST products.
    query = parse_query({k: v for k, v in body.items() if k != "uri"})
    db = call.db

    if "product" in kinds and uri:
        product_id = visible_product_by_uri(db, uri, ctx)
        if product_id is not None:
            product = serialize_product(db, product_id, ctx, related=query.related)
            found: dict[str, Any] = {"found": "product", "product": product}
            category = _product_category(db, uri, product or {}, ctx)
            if category is not None:
                found["category"] = category
            return found
    if "category" in kinds and uri:
        category = _category_by_uri(db, uri, ctx)
        if category is not None:
            query.within_category = int(category["category"])
            page = search_products(db, query, ctx)
            return {
                "found": "category",
                "category": category,
                "products": page.products,
                "productCount": page.count,
                "filter": page.filter,
            }
    if "cmsArticle" in kinds:
        article = _article_by_uri(db, uri, ctx)
        if article is not None:
            return {"found": "cmsArticle", "cmsArticle": article}
    raise ApiError(404, {"uri": "not found"})


def _product_category(
    db: sqlite3.Connection, uri: str, product: dict[str, Any], ctx: ProductContext
) -> dict | None:
    """The category of a product found by URI: the one the URI's path names ("womens/shoes/
    <product>"), else the product's canonical one, else the first it is visible in. Clients
    build breadcrumbs from it."""
    lookups = catalog_lookups(db, ctx)
    prefix = uri[: -len(product.get("uri", ""))].rstrip("/") if uri != product.get("uri") else ""
    if prefix:
        named = _category_by_uri(db, prefix, ctx)
        if named is not None:
            return named
    candidates = [product.get("category")] + [c["category"] for c in product.get("categories", [])]
    for candidate in candidates:
        if candidate and int(candidate) in lookups.categories:
            return lookups.category_json(int(candidate))
    return None


def _category_by_uri(db: sqlite3.Connection, uri: str, ctx: ProductContext) -> dict | None:
    lookups = catalog_lookups(db, ctx)
    for cid, row in lookups.categories.items():
        if row["uri"] == uri:
            return lookups.category_json(cid)
    return None


def _article_by_uri(db: sqlite3.Connection, uri: str, ctx: ProductContext) -> dict | None:
    if uri:
        row = db.execute("SELECT * FROM cms_articles WHERE uri = ?", (uri,)).fetchone()
    else:
        row = db.execute("SELECT * FROM cms_articles WHERE is_home = 1 ORDER BY id").fetchone()
    if row is None or (not row["active"] and not ctx.preview):
        return None
    texts = db.execute(
        "SELECT * FROM cms_texts WHERE article_id = ? ORDER BY language = ? DESC, "
        "language = (SELECT code FROM languages WHERE is_default = 1) DESC",
        (row["id"], ctx.language),
    ).fetchone()
    parts = json.loads(texts["parts"]) if texts else []
    article: dict[str, Any] = {
        "article": str(row["id"]),
        "uri": row["uri"],
        "title": texts["title"] if texts else "",
        "metaTitle": texts["meta_title"] if texts else "",
        "metaDescription": texts["meta_description"] if texts else "",
        "parts": [_absolute_part(part, ctx.media_base) for part in parts],
    }
    if not row["active"]:
        article[ctx.preview_flag] = True
    return article


def _absolute_part(part: Any, base: str) -> Any:
    if isinstance(part, dict) and isinstance(part.get("url"), str) and part["url"].startswith("/"):
        return {**part, "url": base + part["url"]}
    return part
