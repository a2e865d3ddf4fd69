"""What the search box offers while a shopper types: a few products whose name has words
beginning with every word typed, and the categories whose names do. No Centra call, and no SQL
once warm: the names of the language's products (with their markets and paths) are kept in the
process until the search index changes (:func:`catalog.search_index.version`), like the
category tree and the vocabulary, because a trigram-indexed SQL query measured several times
slower than the whole page budget at 10,000 products (``bench/search.py``).

Typed words are corrected against the catalog's words first (:func:`catalog.search.plan`) and
stemmed, so "jakcet" and "jackets" offer jackets.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Final

from catalog.cards import product_path
from catalog.categories import category_index
from catalog.context import ShopperContext
from catalog.models import ProductMarket, SearchDocument
from catalog.process_memo import ProcessMemo
from catalog.reference import memoized
from catalog.search import plan
from catalog.search_index import version
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


@dataclass(frozen=True, slots=True)
class _Names:
    """One language's product names: every folded name word (sorted, for prefix look-ups)
    with the entry it belongs to."""

    words: tuple[str, ...]
    owners: tuple[int, ...]  # entry index of each word
    entries: tuple[tuple[tuple[str, ...], str, str, frozenset[int], int], ...]
    # (folded words, name, unprefixed path, markets, product id), shortest names first


# Kept per language while the search index is unchanged.
_memo = ProcessMemo(version)


def _names(language: str) -> _Names:
    return _memo.get(language, lambda: _build_names(language))


def _build_names(language: str) -> _Names:
    markets: dict[int, set[int]] = {}
    for pid, market in ProductMarket.objects.values_list("product_id", "market_id"):
        markets.setdefault(pid, set()).add(market)
    rows = SearchDocument.objects.filter(language_id=language).values_list(
        "product_id", "name", "folded_name", "product__uri", "product__category__uri"
    )
    entries = sorted(
        (
            (tuple(folded.split()), name, product_path(category_uri, uri), pid)
            for pid, name, folded, uri, category_uri in rows.iterator(chunk_size=2000)
        ),
        key=lambda e: (len(e[1]), e[1], e[3]),
    )
    pairs = sorted((word, at) for at, entry in enumerate(entries) for word in set(entry[0]))
    return _Names(
        words=tuple(word for word, _ in pairs),
        owners=tuple(at for _, at in pairs),
        entries=tuple(
            (words_, name, path, frozenset(markets.get(pid, ())), pid)
            for words_, name, path, pid in entries
        ),
    )


def _products(ctx: ShopperContext, terms: tuple[str, ...]) -> tuple[Suggestion, ...]:
    names = _names(ctx.language)
    # The longest term is the rarest: its words give the candidates, the others filter them.
    key = max(terms, key=len)
    start = bisect_left(names.words, key)
    end = bisect_left(names.words, key + "\uffff", start)
    candidates = sorted(set(names.owners[start:end]))
    found = []
    for at in candidates:
        words_, name, path, in_markets, _ = names.entries[at]
        if ctx.market in in_markets and all(
            any(word.startswith(term) for word in words_) for term in terms
        ):
            found.append(Suggestion(name, ctx.url(path)))
            if len(found) == MAX_PRODUCTS:
                break
    return tuple(found)


def _categories(ctx: ShopperContext, terms: tuple[str, ...]) -> tuple[Suggestion, ...]:
    found = []
    for path_words, own_words, label, url in _category_words(ctx):
        # Every term begins a word of the path, and one begins a word of the category's own.
        if all(any(w.startswith(t) for w in path_words) for t in terms) and any(
            w.startswith(t) for w in own_words for t in terms
        ):
            found.append(Suggestion(label, url))
            if len(found) == MAX_CATEGORIES:
                break
    return tuple(found)


def _category_words(
    ctx: ShopperContext,
) -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...]:
    """(path words, own words, "Root / Name", url) per category, roots first; kept with the
    category tree."""

    def build() -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...]:
        index = category_index(ctx)
        rows = []
        for node in index.by_id.values():
            path = [n.name for n in index.ancestry(node.id)]
            label = " / ".join(path)
            rows.append((node.depth, label, tuple(words(label)), tuple(words(node.name)), node.url))
        rows.sort()
        return tuple((path, own, label, url) for _, label, path, own, url in rows)

    return memoized(("search-categories", ctx.language, ctx.language_prefix), build)
