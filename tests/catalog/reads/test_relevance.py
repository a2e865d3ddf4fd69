"""The relevance set (:mod:`tests.catalog.reads.relevance`) on SQLite; the same set runs on
PostgreSQL in ``test_search_postgres.py``. ``pytest -s`` prints the table."""

from __future__ import annotations

import pytest

from tests.catalog.reads import relevance

pytestmark = pytest.mark.django_db


def test_every_relevance_query_puts_relevant_products_first(ctx_for) -> None:
    report = relevance.evaluate()
    print("\n" + relevance.table(report))

    assert len(report["cases"]) >= 40
    misses = [
        (c["language"], c["query"], c["precision_at_5"], c["recall"])
        for c in report["cases"]
        if c["relevant"] == 0 or c["precision_at_5"] < 1.0 or c["recall"] < 1.0
    ]
    assert misses == []
