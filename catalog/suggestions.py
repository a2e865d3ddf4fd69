"""What the search box offers while a shopper types: a few products whose name has words
beginning with every word typed, and the categories whose names do. One SQL query at most (the
products; the category tree and the vocabulary are kept in the process), no Centra call.

Typed words are corrected against the catalog's words first (:func:`catalog.search.plan`), so
"jakcet" offers jackets. On PostgreSQL the name match uses a trigram index
(``search_name_trgm_idx``, ``pg_trgm``) on the folded names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db.models import Q
from django.db.models.functions import Length

from catalog.cards import in_market, product_path
from catalog.categories import category_index
from catalog.context import ShopperContext
from catalog.models import Product, SearchDocument
from catalog.search import plan
from catalog.search_text import algorithm, stem, words

MAX_PRODUCTS: Final = 6
MAX_CATEGORIES: Final = 4


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Suggestions:
    products: tuple[Suggestion, ...] = ()
    categories: tuple[Suggestion, ...] = ()


def suggestions(ctx: ShopperContext, text: str) -> Suggestions:
    # Stems, so that "jackets" offers every "... Jacket".
    config = algorithm(ctx.language)
    terms = tuple(dict.fromkeys(stem(term, config) for term in plan(ctx, text).terms))
    if not terms:
        return Suggestions()
    return Suggestions(_products(ctx, terms), _categories(ctx, terms))


def _products(ctx: ShopperContext, terms: tuple[str, ...]) -> tuple[Suggestion, ...]:
    condition = Q()
    for term in terms:
        condition &= Q(folded_name__startswith=term) | Q(folded_name__contains=f" {term}")
    rows = (
        SearchDocument.objects.filter(
            condition,
            language_id=ctx.language,
            product__in=Product.objects.filter(in_market(ctx)).values("pk"),
        )
        .order_by(Length("name"), "name", "product_id")
        .values_list("name", "product__uri", "product__category__uri")[:MAX_PRODUCTS]
    )
    return tuple(
        Suggestion(name, ctx.url(product_path(category_uri, uri)))
        for name, uri, category_uri in rows
    )


def _categories(ctx: ShopperContext, terms: tuple[str, ...]) -> tuple[Suggestion, ...]:
    index = category_index(ctx)
    found = []
    for node in index.by_id.values():
        path = [n.name for n in index.ancestry(node.id)]
        own = words(node.name)
        names = words(" ".join(path))
        # Every term begins a word of the path, and one begins a word of the category's own.
        if all(any(w.startswith(t) for w in names) for t in terms) and any(
            w.startswith(t) for w in own for t in terms
        ):
            found.append((node.depth, " / ".join(path), node.url))
    found.sort()
    return tuple(Suggestion(label, url) for _, label, url in found[:MAX_CATEGORIES])
