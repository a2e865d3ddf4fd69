"""Fixtures for tests that read one catalog, synced once from the sandbox's 60-product demo.

A package whose tests read the catalog (the shop pages, the shopper context, the selectors)
imports these into its ``conftest.py``. ``django_db_setup`` is overridden there: after the test
database is migrated, the catalog is filled with ``catalog.sync.full_sync`` from a sandbox
loaded with the same demo as every test's own sandbox (``storefront_sandbox_template``), so
expectations can be computed from either. It is package-scoped: the catalog is emptied again
when the package is done, so tests elsewhere start from an empty catalog. Every test runs in a
rolled-back transaction on top of it, with empty caches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import override_settings

from catalog import models
from catalog.context import ShopperContext, build_context
from catalog.reference import get_reference, invalidate
from catalog.sync import full_sync
from centra import connection
from centra_sandbox import Sandbox, SandboxConfig, Store

_FILLED = (
    models.Product,
    models.Category,
    models.Brand,
    models.Collection,
    models.State,
    models.Country,
    models.Pricelist,
    models.Market,
    models.Language,
    models.SyncRun,
)


@pytest.fixture(scope="package")
def django_db_setup(
    django_db_setup: None, django_db_blocker, storefront_sandbox_template: str
) -> Iterator[None]:
    store = Store(":memory:")
    template = Store(storefront_sandbox_template)
    template.db.backup(store.db)
    template.close()
    sandbox = Sandbox(store, SandboxConfig(public_url="/sandbox"))
    with django_db_blocker.unblock(), override_settings(CENTRA_API_URL=""):
        connection.use_sandbox(sandbox)
        try:
            run = full_sync(trigger="command")
        finally:
            connection.use_sandbox(None)
            store.close()
        assert run.status == models.SyncRun.Status.SUCCEEDED, run.error
        invalidate()
    yield
    with django_db_blocker.unblock():
        for model in _FILLED:
            model.objects.all().delete()
        invalidate()


@pytest.fixture(autouse=True)
def fresh_reference_cache() -> Iterator[None]:
    """Each test starts with empty in-process caches, and leaves none behind built from rows
    its transaction rolled back."""
    invalidate()
    yield
    invalidate()


@pytest.fixture
def ctx_for(db) -> Callable[..., ShopperContext]:
    """A shopper context for a country (its market and pricelist) and a URL language, or for
    a market and pricelist Centra chose (``centra=(market, pricelist)``)."""

    def make(
        country: str = "SE", language: str | None = None, centra: tuple[int, int] | None = None
    ) -> ShopperContext:
        ref = get_reference()
        return build_context(ref, country=ref.countries[country], language=language, centra=centra)

    return make


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache, so a cached CMS answer (or the "Centra is down"
    mark) never leaks from one test into another."""
    cache.clear()
    yield
    cache.clear()
