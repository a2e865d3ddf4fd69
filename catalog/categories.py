"""The category tree in the shopper's language: navigation, category pages, breadcrumbs.

The tree is small and read on every page, so it is built once per language (two queries) and
kept in memory until the catalog changes (see :mod:`catalog.reference`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catalog.cards import category_path
from catalog.context import ShopperContext
from catalog.models import Category, CategoryText
from catalog.reference import memoized

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Breadcrumb:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    uri: str
    name: str
    url: str
    parent_id: int | None
    depth: int  # 0 for a root
    children: tuple[CategoryNode, ...] = ()


@dataclass(frozen=True, slots=True)
class CategoryPage:
    """A category as its listing page shows it."""

    id: int
    uri: str
    url: str
    name: str
    name_path: tuple[str, ...]  # root first, this category's own name last
    meta_title: str
    meta_description: str
    meta_keywords: str
    parent: CategoryNode | None
    children: tuple[CategoryNode, ...]  # for the subcategory navigation
    breadcrumbs: tuple[Breadcrumb, ...]  # root first, this category last
    subtree_ids: tuple[int, ...]  # this category and every descendant


@dataclass(frozen=True, slots=True)
class _Text:
    name_path: tuple[str, ...]
    meta_title: str = ""
    meta_description: str = ""
    meta_keywords: str = ""


@dataclass(frozen=True)
class CategoryIndex:
    roots: tuple[CategoryNode, ...]
    by_id: dict[int, CategoryNode]
    by_uri: dict[str, int]
    texts: dict[int, _Text]
    subtree: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def ancestry(self, category_id: int) -> list[CategoryNode]:
        """The category and its ancestors, root first."""
        chain: list[CategoryNode] = []
        node = self.by_id.get(category_id)
        while node is not None and node not in chain:
            chain.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return chain[::-1]


def category_index(ctx: ShopperContext) -> CategoryIndex:
    return memoized(("categories", ctx.language), lambda: _build_index(ctx))


def _build_index(ctx: ShopperContext) -> CategoryIndex:
    rows = list(Category.objects.order_by("sort_order", "id").values("id", "parent_id", "uri"))
    texts: dict[int, _Text] = {}
    languages = {ctx.language, ctx.default_language}
    text_rows = CategoryText.objects.filter(language_id__in=languages).values(
        "category_id", "language_id", "name_path", "meta_title", "meta_description", "meta_keywords"
    )
    # The shopper's language wins over the default language's fallback.
    for text in sorted(text_rows, key=lambda r: r["language_id"] == ctx.language):
        path = text["name_path"] if isinstance(text["name_path"], list) else []
        texts[text["category_id"]] = _Text(
            tuple(str(name) for name in path),
            text["meta_title"],
            text["meta_description"],
            text["meta_keywords"],
        )
    known = {row["id"] for row in rows}
    children: dict[int | None, list[Row]] = {}
    for row in rows:
        parent = row["parent_id"] if row["parent_id"] in known else None
        children.setdefault(parent, []).append(row)

    by_id: dict[int, CategoryNode] = {}
    subtree: dict[int, tuple[int, ...]] = {}

    def build(row: Row, parent: int | None, depth: int, seen: frozenset[int]) -> CategoryNode:
        kids = tuple(
            build(child, row["id"], depth + 1, seen | {row["id"]})
            for child in children.get(row["id"], [])
            if child["id"] not in seen
        )
        text = texts.get(row["id"])
        node = CategoryNode(
            id=row["id"],
            uri=row["uri"],
            name=text.name_path[-1] if text and text.name_path else row["uri"].rsplit("/")[-1],
            url=ctx.url(category_path(row["uri"])),
            parent_id=parent,
            depth=depth,
            children=kids,
        )
        by_id[node.id] = node
        subtree[node.id] = (node.id, *(d for kid in kids for d in subtree[kid.id]))
        return node

    roots = tuple(build(row, None, 0, frozenset()) for row in children.get(None, []))
    return CategoryIndex(
        roots=roots,
        by_id=by_id,
        by_uri={node.uri: node.id for node in by_id.values()},
        texts=texts,
        subtree=subtree,
    )


def category_tree(ctx: ShopperContext) -> tuple[CategoryNode, ...]:
    """The root categories, each with its children, in Centra's order."""
    return category_index(ctx).roots


def breadcrumbs(ctx: ShopperContext, category_id: int) -> tuple[Breadcrumb, ...]:
    """The category's path, root first, as (name, url)."""
    return tuple(Breadcrumb(n.name, n.url) for n in category_index(ctx).ancestry(category_id))


def category_by_uri(ctx: ShopperContext, uri: str) -> CategoryPage | None:
    index = category_index(ctx)
    category_id = index.by_uri.get(uri.strip("/"))
    if category_id is None:
        return None
    return category_page(ctx, category_id, index)


def category_page(
    ctx: ShopperContext, category_id: int, index: CategoryIndex | None = None
) -> CategoryPage | None:
    index = index or category_index(ctx)
    node = index.by_id.get(category_id)
    if node is None:
        return None
    text = index.texts.get(node.id) or _Text((node.name,))
    return CategoryPage(
        id=node.id,
        uri=node.uri,
        url=node.url,
        name=node.name,
        name_path=text.name_path or (node.name,),
        meta_title=text.meta_title,
        meta_description=text.meta_description,
        meta_keywords=text.meta_keywords,
        parent=index.by_id.get(node.parent_id) if node.parent_id is not None else None,
        children=node.children,
        breadcrumbs=breadcrumbs(ctx, node.id),
        subtree_ids=index.subtree.get(node.id, (node.id,)),
    )
