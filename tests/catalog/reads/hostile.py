"""Query texts that must still give a results page: search syntax, SQL, odd characters."""

from __future__ import annotations

from hypothesis import strategies as st

HOSTILE = [
    '"',
    '""',
    "'",
    "shirt'",
    '"linen shirt',
    "linen AND shirt",
    "linen OR shirt NOT jeans",
    "NEAR(linen shirt, 2)",
    "linen*",
    "*",
    "-linen",
    "name:linen",
    "linen:*",
    "!linen & (shirt | jeans) <-> blue",
    "'; DROP TABLE catalog_product; --",
    "1 OR 1=1",
    "\\",
    "%_%",
    "x" * 1000,
    "jeans " * 200,
    "👖 jeans 🧥",
    "\u0301",  # a lone combining accent
    "e\u0301",
    "\x00",
    "linen\x00shirt",
    "\ufeff",
    "ß",
    "İstanbul",
    "ﬁeld",
    "٣٤٥",
    "中文",
    "{}[]()<>",
    "_",
    "P05001",
    "7300000101015",
]


def answer_for(text: str) -> int:
    """The status a search for ``text`` gets: a NUL is refused at the edge
    (storefront.request_edge: 400), any other text gets a results page."""
    return 400 if "\x00" in text else 200


def queries() -> st.SearchStrategy[str]:
    """Text of any kind and length, and text built from search syntax and catalog words."""
    syntax = st.sampled_from(
        ['"', "'", "*", "-", ":", "AND", "OR", "NOT", "NEAR", "(", ")", "&", "|", "!", "^"]
    )
    words = st.sampled_from(["linen", "shirt", "jeans", "crème", "fjäll", "parka", "P05001"])
    built = st.lists(st.one_of(syntax, words, st.text(max_size=5)), max_size=12).map(" ".join)
    return st.one_of(st.text(max_size=1100), built)
