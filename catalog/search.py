"""Which products match a search, and how well, over the search index
(:mod:`catalog.search_index`) in the shopper's language.

1. **The query** is cut to :data:`MAX_LENGTH` characters and split into at most
   :data:`MAX_WORDS` words of letters and digits, accents folded; nothing else of it reaches
   the database, so quotes, ``AND``/``NEAR``, ``*``, ``-``, ``:`` or SQL are plain words or
   nothing.
2. **Each word is checked against the catalog's own words** (:mod:`catalog.search_vocabulary`):
   a known word, stem or beginning of a word ("jack" while typing) is kept; an unknown one is
   replaced by the closest catalog word within one edit (two for words of six letters or
   more), or dropped. Words with digits (SKUs, EANs) are kept as typed.
3. **Every word must match** the beginning of a stemmed word of the product's document:
   - PostgreSQL: ``to_tsquery`` over the ``storefront_<language>`` configuration (``unaccent``
     then the language's Snowball stemmer) against the stored, GIN-indexed ``document``,
     ranked by ``ts_rank`` with name and codes (A) over category, brand, colour and collection
     (B) over excerpt and description (C);
   - SQLite: FTS5 over text stemmed by the same Snowball algorithms in Python, ranked by
     ``bm25`` with the same parts weighted 10, 4 and 1.
4. **An exact item SKU or EAN, or product SKU** outranks every text match (looked up only for
   a query with a digit).

The answer is the best :data:`MAX_RESULTS` product ids with a score, which the listing then
filters, facets, sorts and pages like any other. A query that finds nothing gets a "did you
mean" (:func:`did_you_mean`): the closest catalog words, when those find something.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from catalog.context import ShopperContext
from catalog.models import Item, Product
from catalog.search_text import algorithm, fold, stem, words
from catalog.search_vocabulary import vocabulary

MAX_RESULTS: Final = 1000
MAX_WORDS: Final = 8
MAX_LENGTH: Final = 200
EXACT_BOOST: Final = 1000.0
# bm25 weights of the FTS5 table's columns: product_id, language, name, labels, body, codes.
_FTS_WEIGHTS: Final = "0.0, 0.0, 10.0, 4.0, 1.0, 10.0"
# Control characters (NUL included) and lone surrogates never reach a query or a page.
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class SearchText:
    """A shopper's query as searched."""

    text: str  # cleaned and cut, as the page shows it
    cut: bool  # the query was longer than MAX_LENGTH


def clean_query(raw: str) -> SearchText:
    """The query without control characters and repeated spaces, cut to :data:`MAX_LENGTH`."""
    text = " ".join(_UNPRINTABLE.sub(" ", unicodedata.normalize("NFC", raw)).split())
    if len(text) <= MAX_LENGTH:
        return SearchText(text, False)
    return SearchText(text[:MAX_LENGTH].rstrip(), True)


def search_words(text: str) -> list[str]:
    return words(text[:MAX_LENGTH])[:MAX_WORDS]


@dataclass(frozen=True, slots=True)
class Plan:
    terms: tuple[str, ...]  # folded words, corrected, to match as prefixes of stems
    corrected: bool  # a word was replaced or dropped


def plan(ctx: ShopperContext, text: str) -> Plan:
    vocab = vocabulary(ctx.language)
    terms: list[str] = []
    changed = False
    for word in search_words(text):
        term = word if any(c.isdigit() for c in word) else vocab.correct(word)
        changed = changed or term != word
        if term and term not in terms:
            terms.append(term)
    return Plan(tuple(terms), changed)


def match_scores(ctx: ShopperContext, text: str, base: QuerySet[Product]) -> dict[int, float]:
    """{product id: score} of the products of ``base`` matching ``text``, best first."""
    return search(ctx, text, base)[0]


def search(
    ctx: ShopperContext, text: str, base: QuerySet[Product]
) -> tuple[dict[int, float], Plan]:
    """The scores of :func:`match_scores` and the plan that found them."""
    text = text[:MAX_LENGTH]
    found = plan(ctx, text)
    scores: dict[int, float] = {}
    if found.terms:
        scores = _text_scores(ctx, found.terms, base)
    code = text.strip()
    # SKUs and EANs hold digits: a query without any costs no look-up.
    if len(code) <= 100 and any(c.isdigit() for c in code):
        for pid in _exact_codes(code, base):
            scores[pid] = scores.get(pid, 0.0) + EXACT_BOOST
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_RESULTS]
    return dict(ranked), found


def did_you_mean(ctx: ShopperContext, text: str, base: QuerySet[Product]) -> str:
    """For a query that found nothing: the closest catalog words that find something, or ""."""
    vocab = vocabulary(ctx.language)
    asked = search_words(text)
    guess = [word if any(c.isdigit() for c in word) else vocab.closest(word) for word in asked]
    suggestion = " ".join(word for word in guess if word)
    if not suggestion or suggestion == " ".join(asked):
        return ""
    return suggestion if search(ctx, suggestion, base)[0] else ""


def _exact_codes(code: str, base: QuerySet[Product]) -> list[int]:
    items = Item.objects.filter(Q(sku__iexact=code) | Q(ean=code)).values("product_id")
    return list(
        base.filter(Q(pk__in=items) | Q(sku__iexact=code) | Q(product_sku__iexact=code))
        .order_by()
        .values_list("pk", flat=True)
    )


def _text_scores(
    ctx: ShopperContext, terms: tuple[str, ...], base: QuerySet[Product]
) -> dict[int, float]:
    config = algorithm(ctx.language)
    scope_sql, scope_params = base.order_by().values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        # Each term a prefix of a stem; PostgreSQL stems the term itself.
        query = " & ".join(f"{term}:*" for term in terms)
        sql = f"""
            SELECT d.product_id, ts_rank(d.document, q.query)
            FROM catalog_searchdocument d,
                 to_tsquery(('storefront_' || %s)::regconfig, %s) AS q(query)
            WHERE d.language_id = %s AND d.document @@ q.query
              AND d.product_id IN ({scope_sql})
            ORDER BY 2 DESC, 1 LIMIT %s
        """  # noqa: S608 (the scope is Django's own SQL; values are parameters)
        params = [config, query, ctx.language, *scope_params, MAX_RESULTS]
    else:
        query = " ".join(f'"{stem(term, config)}"*' for term in terms)
        sql = f"""
            SELECT d.product_id, -bm25(catalog_searchfts, {_FTS_WEIGHTS})
            FROM catalog_searchfts
            JOIN catalog_searchdocument d
              ON d.id = catalog_searchfts.rowid AND d.product_id = catalog_searchfts.product_id
            WHERE catalog_searchfts MATCH %s AND d.language_id = %s
              AND d.product_id IN ({scope_sql})
            ORDER BY 2 DESC, 1 LIMIT %s
        """  # noqa: S608 (the scope is Django's own SQL; values are parameters)
        params = [query, ctx.language, *scope_params, MAX_RESULTS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pid): float(score) for pid, score in cursor.fetchall()}


def folded_prefix(text: str) -> str:
    """The query as the suggestions match it: folded words joined by single spaces."""
    return " ".join(fold(word) for word in search_words(text))


class IdIn(Expression):
    """``column IN ids`` for a long list of ids: one array parameter on PostgreSQL
    (``= ANY(%s)``), so each of a listing's queries neither builds nor sends a thousand
    placeholders; a plain ``IN`` elsewhere."""

    output_field = BooleanField()

    def __init__(self, column: Any, ids: list[int]) -> None:
        super().__init__()
        self.column = column  # F("pk") until resolved, then its column
        self.ids = ids

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    # The array parameter is no str or int: typed loosely, as Django's own stubs cannot say it.
    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        sql, params = compiler.compile(self.column)
        if not self.ids:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{sql} = ANY(%s)", [*params, self.ids]
        marks = ", ".join("%s" for _ in self.ids)
        return f"{sql} IN ({marks})", [*params, *self.ids]


def only_found(base: QuerySet[Product], scores: dict[int, float]) -> QuerySet[Product]:
    """``base`` narrowed to the products a search found."""
    return base.filter(IdIn(F("pk"), list(scores)))
