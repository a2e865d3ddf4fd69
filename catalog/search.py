"""Which products match a search, and how well: over names, SKUs, brand and descriptions in the
shopper's language (the default language's text where a product has none in it).

- **PostgreSQL**: full-text search. Names weigh most (A), then brand and SKUs (B), then the
  excerpt and description (C); the language's text search configuration stems the words
  ("jackets" finds "Jacket"), a ``simple``-configuration prefix query catches partly typed
  words and SKUs ("sneak", "P05001"), and an exact item SKU or EAN always matches. Ranked by
  ``ts_rank``. The vector is computed per query (no stored column): fine for a catalog of
  thousands; a stored, GIN-indexed ``tsvector`` is the next step for far larger ones.
- **Elsewhere (SQLite)**: every word must occur (case-insensitively) in one of those fields;
  a word in the name scores 2, elsewhere 1.

Either way the answer is the best :data:`MAX_RESULTS` product ids with a score, which the
listing then filters, facets, sorts and pages like any other.
"""

from __future__ import annotations

import re
from typing import Final

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from catalog.cards import text_field, with_texts
from catalog.context import ShopperContext
from catalog.models import Item, Product

MAX_RESULTS: Final = 1000
MAX_WORDS: Final = 8
MAX_LENGTH: Final = 200

# PostgreSQL's text search configurations for Centra language codes; others use "simple".
TEXT_SEARCH_CONFIGS: Final = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ru": "russian",
    "sv": "swedish",
}

_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(text: str) -> list[str]:
    return _WORD.findall(text[:MAX_LENGTH])[:MAX_WORDS]


def match_scores(ctx: ShopperContext, text: str, base: QuerySet[Product]) -> dict[int, float]:
    """{product id: score} of the products of ``base`` matching ``text``, best first."""
    text = text[:MAX_LENGTH]
    words = search_words(text)
    if not words:
        return {}
    queryset = with_texts(base, ctx).annotate(
        s_name=text_field(ctx, "name"),
        s_excerpt=text_field(ctx, "excerpt"),
        s_description=text_field(ctx, "description"),
    )
    if connection.vendor == "postgresql":
        ranked = _postgres(ctx, queryset, text, words)
    else:
        ranked = _simple(queryset, text, words)
    rows = ranked.order_by("-score", "id").values_list("id", F("score"))[:MAX_RESULTS]
    return {pid: float(score) for pid, score in rows}


def _exact_item(text: str) -> Exists:
    code = text.strip()
    return Exists(
        Item.objects.filter(product=OuterRef("pk")).filter(Q(sku__iexact=code) | Q(ean=code))
    )


def _postgres(
    ctx: ShopperContext, queryset: QuerySet[Product], text: str, words: list[str]
) -> QuerySet[Product]:

    config = TEXT_SEARCH_CONFIGS.get(ctx.language.split("-")[0].lower(), "simple")
    vector = (
        SearchVector("s_name", weight="A", config=config)
        + SearchVector("s_name", weight="A", config="simple")
        + SearchVector("brand__name", "sku", "product_sku", weight="B", config="simple")
        + SearchVector("s_excerpt", "s_description", weight="C", config=config)
    )
    prefixes = " & ".join(f"{word}:*" for word in words)
    query = SearchQuery(text, search_type="websearch", config=config) | SearchQuery(
        prefixes, search_type="raw", config="simple"
    )
    exact = _exact_item(text)
    return (
        queryset.annotate(
            document=vector,
            rank=SearchRank(F("document"), query),
            exact=exact,
        )
        .filter(Q(document=query) | Q(exact=True))
        .annotate(
            score=Case(
                # An exact item SKU or EAN outranks any text match.
                When(exact=True, then=F("rank") + Value(1.0)),
                default=F("rank"),
                output_field=FloatField(),
            )
        )
    )


def _simple(queryset: QuerySet[Product], text: str, words: list[str]) -> QuerySet[Product]:
    condition = Q()
    score: Expression = Value(0.0, output_field=FloatField())
    for word in words:
        in_name = Q(s_name__icontains=word)
        elsewhere = (
            Q(brand__name__icontains=word)
            | Q(sku__icontains=word)
            | Q(product_sku__icontains=word)
            | Q(s_excerpt__icontains=word)
            | Q(s_description__icontains=word)
        )
        condition &= in_name | elsewhere
        score = score + Case(
            When(in_name, then=Value(2.0)),
            When(elsewhere, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return queryset.filter(condition | _exact_item(text)).annotate(score=score)
