"""The catalog's own words per language, for typo correction and "did you mean".

Built in Python from the search documents (names, labels, descriptions) the same way on
PostgreSQL and SQLite, so both correct a query alike, and kept in each process until the index
changes (:func:`catalog.search_index.version`). Edit distances come from ``rapidfuzz``
(optimal string alignment: a swap of two letters is one edit).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from catalog.models import SearchDocument
from catalog.process_memo import ProcessMemo
from catalog.search_index import version
from catalog.search_text import algorithm, stem, words

# The shortest word that may be a beginning being typed ("jac" -> "jacket").
MIN_PREFIX: Final = 3
# "Did you mean" offers a word at least this similar (rapidfuzz's ratio, 0-100).
MIN_SIMILARITY: Final = 60.0


def max_edits(word: str) -> int:
    """How many typos a word may hold and still be corrected."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 6 else 2


@dataclass(frozen=True, slots=True)
class Vocabulary:
    counts: dict[str, int]  # folded word -> how often the catalog uses it
    ordered: tuple[str, ...]  # the words sorted, for prefix look-ups
    stems: frozenset[str]
    config: str

    def known(self, word: str) -> bool:
        if word in self.counts or stem(word, self.config) in self.stems:
            return True
        if len(word) < MIN_PREFIX:
            return False
        at = bisect_left(self.ordered, word)
        return at < len(self.ordered) and self.ordered[at].startswith(word)

    def correct(self, word: str) -> str:
        """``word`` if the catalog knows it (or a word it begins), else the closest catalog
        word within :func:`max_edits`, else ""."""
        if self.known(word):
            return word
        limit = max_edits(word)
        if not limit:
            return ""
        found = process.extract(
            word, self.ordered, scorer=OSA.distance, score_cutoff=limit, limit=20
        )
        if not found:
            return ""
        # Fewest edits, then the word the catalog uses most.
        best = min(found, key=lambda hit: (hit[1], -self.counts[hit[0]], hit[0]))
        return str(best[0])

    def closest(self, word: str) -> str:
        """The most similar catalog word (for "did you mean"), or ""."""
        if word in self.counts:
            return word
        hit = process.extractOne(word, self.ordered, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY)
        return str(hit[0]) if hit else ""


# Kept per language while the search index is unchanged.
_memo = ProcessMemo(version)


def vocabulary(language: str) -> Vocabulary:
    return _memo.get(language, lambda: _build(language))


def _build(language: str) -> Vocabulary:
    config = algorithm(language)
    counts: Counter[str] = Counter()
    rows = SearchDocument.objects.filter(language_id=language).values_list("name", "labels", "body")
    for name, labels, body in rows.iterator(chunk_size=2000):
        counts.update(words(f"{name} {labels} {body}"))
    return Vocabulary(
        counts=dict(counts),
        ordered=tuple(sorted(counts)),
        stems=frozenset(stem(word, config) for word in counts),
        config=config,
    )
