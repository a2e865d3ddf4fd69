"""Shopper pages read the local catalog: the shop tests' fixtures fill it once per package from
the sandbox's 60-product demo catalog (through the real sync) and empty it afterwards; every
test runs in a rolled-back transaction on top of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.shop.conftest import django_db_setup, fresh_reference_cache

__all__ = ["django_db_setup", "fresh_cache", "fresh_reference_cache"]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache, so a cached CMS answer (or the "Centra is down"
    mark) never leaks from one test into another."""
    cache.clear()
    yield
    cache.clear()
