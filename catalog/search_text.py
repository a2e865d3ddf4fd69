"""Words as the search index sees them: split, accents folded, stemmed per language.

PostgreSQL does this itself with the ``storefront_<language>`` text search configurations
(``unaccent`` then the language's Snowball stemmer, created by migration
``0004_search_index``). SQLite has no stemmer, so the index and the query are stemmed here with
the same Snowball algorithms (``snowballstemmer``), and the folding imitates ``unaccent``. The
catalog's vocabulary (:mod:`catalog.search_vocabulary`) uses these functions on both databases,
so typo correction answers alike on both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import snowballstemmer

# Centra language code -> Snowball algorithm and PostgreSQL configuration suffix. Others use
# "simple": folded, not stemmed.
STEMMERS: Final = {"en": "english", "de": "german", "sv": "swedish"}
SIMPLE: Final = "simple"

# Letters unaccent maps that Unicode does not decompose.
_EXTRA_FOLDS: Final = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)
# Letters and digits; "_" and everything else separates words (and so nothing a query holds
# can reach PostgreSQL's or FTS5's query syntax).
_WORD: Final = re.compile(r"[^\W_]+")


def algorithm(language: str) -> str:
    """The Snowball algorithm (and configuration suffix) of a Centra language code."""
    return STEMMERS.get(language.split("-")[0].lower(), SIMPLE)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower case without accents: "Crème" -> "creme", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [folded for raw in _WORD.findall(text) if (folded := fold(raw))]


@lru_cache(maxsize=16)
def _stemmer(name: str) -> snowballstemmer.Stemmer | None:
    return None if name == SIMPLE else snowballstemmer.stemmer(name)


@lru_cache(maxsize=262144)
def stem(word: str, name: str) -> str:
    """A folded word's stem by the Snowball algorithm ``name`` ("simple": the word)."""
    stemmer = _stemmer(name)
    return word if stemmer is None else stemmer.stemWord(word)


def stemmed(text: str, name: str) -> str:
    """``text`` as folded stems separated by spaces: what SQLite's FTS5 index holds."""
    return " ".join(stem(word, name) for word in words(text))
