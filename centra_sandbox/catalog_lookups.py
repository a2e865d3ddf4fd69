"""The small tables a product refers to (brands, collections, currencies, the category tree and
its texts), read once per catalog version and language and shared by every request."""

from __future__ import annotations

import sqlite3
from typing import Any

from centra_sandbox.catalog_cache import cached
from centra_sandbox.product_context import ProductContext, store_defaults


def catalog_lookups(db: sqlite3.Connection, ctx: ProductContext) -> CatalogLookups:
    """The lookups for ``ctx``'s language and preview, from the cache when the catalog is
    unchanged. Only those fields of ``ctx`` shape them, so one object serves every market,
    pricelist and media base."""
    key = ("lookups", ctx.language, ctx.preview, ctx.preview_flag)
    return cached(db, key, lambda: CatalogLookups(db, ctx))


class CatalogLookups:
    """Brands, collections, pricelist currencies and the visible category tree with its texts
    in the context language (the default language's where one is missing)."""

    def __init__(self, db: sqlite3.Connection, ctx: ProductContext) -> None:
        # Not the whole context: a cached object must not carry one request's market or pricelist.
        self.language = ctx.language
        self.preview_flag = ctx.preview_flag
        self.default_language = store_defaults(db)[2]
        languages = (ctx.language, self.default_language)
        self.brands = {r["id"]: r for r in db.execute("SELECT * FROM brands")}
        self.collections = {r["id"]: r for r in db.execute("SELECT * FROM collections")}
        self.currencies = {
            r["id"]: r
            for r in db.execute(
                "SELECT p.id, c.* FROM pricelists p JOIN currencies c ON c.code = p.currency"
            )
        }
        rows = db.execute(
            "SELECT * FROM categories ORDER BY sort_order, id"
            if ctx.preview
            else "SELECT * FROM categories WHERE active = 1 ORDER BY sort_order, id"
        ).fetchall()
        self.categories = {r["id"]: r for r in rows}
        texts: dict[int, sqlite3.Row] = {}
        for row in db.execute(
            "SELECT * FROM category_texts WHERE language IN (?, ?) ORDER BY language = ?",
            (*languages, ctx.language),
        ):
            # Ordered so the context language, when present, overwrites the default's.
            texts[row["category_id"]] = row
        self.category_texts = texts
        # Depth-first admin order: each root followed by its children.
        children: dict[int | None, list[int]] = {}
        for row in rows:
            parent = row["parent_id"] if row["parent_id"] in self.categories else None
            children.setdefault(parent, []).append(row["id"])
        self.category_order: list[int] = []

        def walk(parent: int | None) -> None:
            for cid in children.get(parent, []):
                self.category_order.append(cid)
                walk(cid)

        walk(None)
        # Every product lists its categories with their paths and names: work them out once.
        self._paths = {cid: self._walk_path(cid) for cid in self.categories}
        self._names = {
            cid: [self.category_texts[c]["name"] if c in self.category_texts else "" for c in path]
            for cid, path in self._paths.items()
        }
        # What a product's ``categories`` entry shows of each category: (tree position, id,
        # names, uri, path ids). Sorting by the position, (path, id), gives the tree order.
        self.category_refs = {
            cid: (
                (tuple(path), cid),
                str(cid),
                self._names[cid],
                self.categories[cid]["uri"],
                [str(c) for c in path],
            )
            for cid, path in self._paths.items()
        }

    def _walk_path(self, category_id: int) -> list[int]:
        path: list[int] = []
        seen = set()
        current: int | None = category_id
        while current is not None and current in self.categories and current not in seen:
            seen.add(current)
            path.insert(0, current)
            current = self.categories[current]["parent_id"]
        return path

    def category_path(self, category_id: int) -> list[int]:
        """The ids from the root down to ``category_id`` (empty for a hidden category)."""
        path = self._paths.get(category_id)
        return list(path) if path is not None else []

    def category_names(self, category_id: int) -> list[str]:
        names = self._names.get(category_id)
        return list(names) if names is not None else []

    def category_json(self, category_id: int) -> dict[str, Any]:
        row = self.categories[category_id]
        texts = self.category_texts.get(category_id)
        data: dict[str, Any] = {
            "category": str(category_id),
            "name": self.category_names(category_id),
            "uri": row["uri"],
        }
        if row["parent_id"] is not None:
            data["inCategory"] = str(row["parent_id"])
        data["metaKeywords"] = texts["meta_keywords"] if texts else ""
        data["metaTitle"] = texts["meta_title"] if texts else ""
        data["metaDescription"] = texts["meta_description"] if texts else ""
        if not row["active"]:
            data[self.preview_flag] = True
        return data
