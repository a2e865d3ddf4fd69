"""The search relevance set: queries over the deterministic demo catalog, each with the products
that must come first, decided from the catalog's own rows (names, category names, brands,
colours, codes), not from the search index.

:func:`evaluate` runs every query through :func:`catalog.selectors.search_products` in the
shopper context of Sweden's market and the query's language, and measures per query:

- ``precision@5``: the share of the first ``min(5, relevant)`` results that are relevant;
- ``recall``: the share of the relevant products found anywhere in the results.

It runs on whatever database Django uses: in-process on SQLite (``test_relevance.py``) and in
a ``manage.py shell`` on PostgreSQL (``test_search_postgres.py``), where it is imported the
same way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalog import models
from catalog.context import build_context
from catalog.reference import get_reference
from catalog.selectors import search_products

TOP = 5


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


@dataclass
class Doc:
    id: int
    names: dict[str, str]  # language -> name
    categories: dict[str, set[str]] = field(default_factory=dict)  # language -> category names
    brand: str = ""
    colour: str = ""
    product_sku: str = ""
    item_skus: set[str] = field(default_factory=set)
    eans: set[str] = field(default_factory=set)

    def name_has(self, language: str, *fragments: str) -> bool:
        name = _fold(self.names.get(language, ""))
        return all(_fold(f) in name for f in fragments)

    def in_category(self, language: str, name: str) -> bool:
        return _fold(name) in {_fold(n) for n in self.categories.get(language, set())}


Rule = Callable[[Doc], bool]


@dataclass(frozen=True)
class Case:
    language: str
    query: str
    kind: str
    relevant: Rule


def name(language: str, *fragments: str) -> Rule:
    return lambda d: d.name_has(language, *fragments)


def category(language: str, category_name: str) -> Rule:
    return lambda d: d.in_category(language, category_name)


def brand(brand_name: str) -> Rule:
    return lambda d: d.brand == brand_name


def colour_in(colour: str, language: str, category_name: str) -> Rule:
    return lambda d: d.colour == colour and d.in_category(language, category_name)


def colour_named(colour: str, language: str, *fragments: str) -> Rule:
    return lambda d: d.colour == colour and d.name_has(language, *fragments)


CASES: list[Case] = [
    # Plurals and singulars (English stemming; category names count).
    Case("en", "parkas", "plural", name("en", "parka")),
    Case("en", "parka", "singular", name("en", "parka")),
    Case("en", "jackets", "plural", category("en", "Jackets")),
    Case("en", "jacket", "singular", name("en", "jacket")),
    Case("en", "sneakers", "plural", name("en", "sneaker")),
    Case("en", "loafers", "plural", name("en", "loafer")),
    Case("en", "blazers", "plural", name("en", "blazer")),
    Case("en", "dresses", "plural", category("en", "Dresses")),
    Case("en", "shirts", "plural", category("en", "Shirts")),
    Case("en", "backpacks", "plural", name("en", "backpack")),
    Case("en", "beanies", "plural", name("en", "beanie")),
    Case("en", "linen shirt", "words", name("en", "linen shirt")),
    Case("en", "wrap dress", "words", name("en", "wrap dress")),
    Case("en", "jeans", "category", category("en", "Jeans")),
    # Accents dropped or added.
    Case("en", "creme", "accent", name("en", "crème")),
    Case("en", "fjall", "accent", name("en", "fjäll")),
    Case("en", "crème", "accent", name("en", "crème")),
    Case("en", "bjornstad", "accent", brand("Björnstad")),
    Case("en", "maison eclair", "accent", brand("Maison Éclair")),
    Case("en", "atelier lumiere", "accent", brand("Atelier Lumière")),
    # Typos of one letter, and of two in longer words.
    Case("en", "jakcet", "typo-1", name("en", "jacket")),
    Case("en", "parak", "typo-1", name("en", "parka")),
    Case("en", "sneeker", "typo-1", name("en", "sneaker")),
    Case("en", "lofer", "typo-1", name("en", "loafer")),
    Case("en", "backpak", "typo-1", name("en", "backpack")),
    Case("en", "oxfrod shirt", "typo-1", name("en", "oxford shirt")),
    Case("en", "sneekr", "typo-2", name("en", "sneaker")),
    Case("en", "bakpak", "typo-2", name("en", "backpack")),
    Case("en", "herritaje parka", "typo-2", name("en", "heritage parka")),
    Case("en", "clasic pufer", "typo-1", name("en", "classic puffer")),
    # Brands.
    Case("en", "kestrel", "brand", brand("Kestrel")),
    Case("en", "nordvik", "brand", brand("Nordvik")),
    Case("en", "vanta", "brand", brand("Vanta")),
    # Colour and type.
    Case("en", "blue jeans", "colour", colour_in("Blue", "en", "Jeans")),
    Case("en", "black derby", "colour", colour_named("Black", "en", "derby")),
    Case("en", "red parka", "colour", colour_named("Red", "en", "parka")),
    Case("en", "white shirt", "colour", colour_in("White", "en", "Shirts")),
    # Swedish.
    Case("sv", "jackor", "sv", category("sv", "Jackor")),
    Case("sv", "klänningar", "sv", category("sv", "Klänningar")),
    Case("sv", "klanningar", "sv", category("sv", "Klänningar")),
    Case("sv", "kavaj", "sv", name("sv", "kavaj")),
    Case("sv", "skjortor", "sv", category("sv", "Skjortor")),
    Case("sv", "väskor", "sv", category("sv", "Väskor")),
    # German.
    Case("de", "jacken", "de", category("de", "Jacken")),
    Case("de", "kleider", "de", category("de", "Kleider")),
    Case("de", "schuhe", "de", category("de", "Schuhe")),
    Case("de", "rucksacke", "de", name("de", "rucksack")),
    Case("de", "mutze", "de", name("de", "mütze")),
]


def load_docs(market: int) -> dict[int, Doc]:
    in_market = models.Product.objects.filter(market_links__market_id=market)
    docs: dict[int, Doc] = {}
    for product in in_market.select_related("brand"):
        docs[product.id] = Doc(
            id=product.id,
            names={},
            brand=product.brand.name if product.brand else "",
            colour=product.variant_name,
            product_sku=product.product_sku,
        )
    for text in models.ProductText.objects.filter(product_id__in=docs):
        docs[text.product_id].names[text.language_id] = text.name
    paths = {(t.category_id, t.language_id): t.name_path for t in models.CategoryText.objects.all()}
    for link in models.ProductCategory.objects.filter(product_id__in=docs):
        for (category_id, language), path in paths.items():
            if category_id == link.category_id:
                docs[link.product_id].categories.setdefault(language, set()).update(path)
    for item in models.Item.objects.filter(product_id__in=docs):
        docs[item.product_id].item_skus.add(item.sku)
        docs[item.product_id].eans.add(item.ean)
    return docs


def code_cases(docs: dict[int, Doc]) -> list[Case]:
    """SKU and EAN queries: those of the first product (the demo's plain one, id 101)."""
    first = docs[min(docs)]
    item_sku, ean = sorted(first.item_skus)[0], sorted(first.eans)[0]
    product_sku = first.product_sku
    return [
        Case("en", product_sku, "sku", lambda d: d.product_sku == product_sku),
        Case("en", item_sku, "sku", lambda d: item_sku in d.item_skus),
        Case("en", ean, "ean", lambda d: ean in d.eans),
    ]


def evaluate() -> dict[str, Any]:
    """Every case's measures, and their means."""
    ref = get_reference()
    country = ref.countries["SE"]
    docs = load_docs(country.market or 0)
    results = []
    for case in CASES + code_cases(docs):
        ctx = build_context(ref, country=country, language=case.language)
        listing = search_products(ctx, case.query, per_page=1000)
        found = [card.id for card in listing.products]
        relevant = {pid for pid, doc in docs.items() if case.relevant(doc)}
        expected_top = min(TOP, len(relevant))
        top = found[:expected_top]
        results.append(
            {
                "language": case.language,
                "query": case.query,
                "kind": case.kind,
                "relevant": len(relevant),
                "found": len(found),
                "top": top,
                "precision_at_5": (
                    len([pid for pid in top if pid in relevant]) / expected_top
                    if expected_top
                    else 0.0
                ),
                "recall": len(relevant & set(found)) / len(relevant) if relevant else 0.0,
            }
        )
    count = len(results)
    return {
        "cases": results,
        "precision_at_5": sum(r["precision_at_5"] for r in results) / count,
        "recall": sum(r["recall"] for r in results) / count,
    }


def table(report: dict[str, Any]) -> str:
    """The report as lines of text, for ``pytest -s`` and the bench."""
    lines = [f"{'lang':4} {'query':24} {'kind':9} {'rel':>4} {'found':>5} {'P@5':>5} {'recall':>6}"]
    for r in report["cases"]:
        lines.append(
            f"{r['language']:4} {r['query'][:24]:24} {r['kind']:9} {r['relevant']:>4} "
            f"{r['found']:>5} {r['precision_at_5']:>5.2f} {r['recall']:>6.2f}"
        )
    lines.append(
        f"{len(report['cases'])} queries: mean precision@5 {report['precision_at_5']:.3f}, "
        f"mean recall {report['recall']:.3f}"
    )
    return "\n".join(lines)
