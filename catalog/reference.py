"""The small tables every request needs (markets, pricelists, languages, countries, states) and
other per-catalog data (the category tree), kept in this process between catalog changes.

How it stays fresh, without a query per request:

- A **version token** lives in Django's cache (shared between processes when the cache is
  Redis). Data built by :func:`memoized` is kept in process memory under that token; a request
  costs one cache read and, while the token is unchanged, no SQL at all.
- The token is replaced when the sync announces a change of reference data
  (``catalog.signals.catalog_changed`` with non-empty ``kinds``), and when one of these models is
  saved or deleted through the ORM (admin edits, fixtures); :func:`connect_receivers` listens
  for both, connected when Django starts (``CatalogConfig.ready``), so every process that writes
  the catalog, a Celery worker included, announces it. Every process then rebuilds on its next
  request.
- The token expires after ``CATALOG_REFERENCE_CACHE_SECONDS``: with a per-process cache
  (local memory) and the sync running in another process, that bounds how long a process can
  serve old reference data.

Bulk writes (``bulk_create``, ``update()``) send no model signals: code that writes these tables
that way outside the sync calls :func:`invalidate` itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalog import models, request_tokens
from catalog.process_memo import ProcessMemo
from catalog.signals import catalog_changed

VERSION_KEY: Final = request_tokens.known("catalog:reference-version")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LanguageRef:
    code: str
    name: str
    is_default: bool


@dataclass(frozen=True, slots=True)
class PricelistRef:
    id: int
    name: str
    currency: str
    currency_format: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True, slots=True)
class StateRef:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class CountryRef:
    code: str
    name: str
    ship_to: bool
    market: int | None
    pricelist: int | None
    language: str | None
    states: tuple[StateRef, ...] = ()


@dataclass(frozen=True)
class Reference:
    """The store's markets, pricelists, languages and countries, as plain values."""

    languages: dict[str, LanguageRef]  # by name
    default_language: str
    markets: dict[int, str]  # id -> name
    default_market: int | None
    pricelists: dict[int, PricelistRef]
    default_pricelist: int | None
    countries: dict[str, CountryRef]  # by name

    @property
    def prefixed_languages(self) -> frozenset[str]:
        """Languages served under a URL prefix: every one but the default."""
        return frozenset(code for code in self.languages if code != self.default_language)

    @property
    def shippable_countries(self) -> list[CountryRef]:
        return [country for country in self.countries.values() if country.ship_to]

    def fallback_country(self) -> CountryRef | None:
        """The store's own country when nothing says otherwise: a shippable country of the
        default market, preferring one on the default pricelist (the store's home currency)."""
        candidates = [c for c in self.shippable_countries if c.market == self.default_market]
        candidates.sort(key=lambda c: (c.pricelist != self.default_pricelist, c.name))
        return candidates[0] if candidates else None


def load_reference() -> Reference:
    """Read the reference tables (five small queries)."""
    languages = {
        row.code: LanguageRef(row.code, row.name, row.is_default)
        for row in models.Language.objects.order_by("name", "code")
    }
    default_language = next(
        (code for code, lang in languages.items() if lang.is_default),
        min(languages) if languages else settings.LANGUAGE_CODE,
    )
    market_rows = list(models.Market.objects.order_by("id"))
    markets = {row.id: row.name for row in market_rows}
    default_market = next(
        (row.id for row in market_rows if row.is_default), min(markets) if markets else None
    )
    pricelist_rows = list(models.Pricelist.objects.order_by("id"))
    pricelists = {
        row.id: PricelistRef(row.id, row.name, row.currency, dict(row.currency_format or {}))
        for row in pricelist_rows
    }
    default_pricelist = next(
        (row.id for row in pricelist_rows if row.is_default),
        min(pricelists) if pricelists else None,
    )
    states: dict[str, list[StateRef]] = {}
    for state in models.State.objects.order_by("name"):
        states.setdefault(state.country_id, []).append(StateRef(state.code, state.name))
    countries = {
        row.code: CountryRef(
            code=row.code,
            name=row.name,
            ship_to=row.ship_to,
            market=row.market_id,
            pricelist=row.pricelist_id,
            language=row.language_id,
            states=tuple(states.get(row.code, ())),
        )
        for row in models.Country.objects.order_by("name", "code")
    }
    return Reference(
        languages=languages,
        default_language=default_language,
        markets=markets,
        default_market=default_market,
        pricelists=pricelists,
        default_pricelist=default_pricelist,
        countries=countries,
    )


# -- the process memo -------------------------------------------------------------------------


def catalog_version() -> str:
    """The current version token (read once per request; a new one when the cache has none)."""
    return request_tokens.random_token(VERSION_KEY, settings.CATALOG_REFERENCE_CACHE_SECONDS)


_memo = ProcessMemo(catalog_version)


def memoized(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept in this process until the catalog version changes."""
    return _memo.get(key, build)


def get_reference() -> Reference:
    return memoized("reference", load_reference)


def invalidate() -> None:
    """Drop what every process keeps: a new version token, and this process's memo now."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, settings.CATALOG_REFERENCE_CACHE_SECONDS)
    request_tokens.forget(VERSION_KEY)
    _memo.clear()


def _invalidate_now_and_on_commit(**kwargs: Any) -> None:
    # Now, so this process never serves what it just changed; on commit as well, so a request
    # that rebuilt from the not-yet-committed state in between does not keep it.
    invalidate()
    transaction.on_commit(invalidate)


def _on_catalog_changed(sender: Any, kinds: frozenset[str] = frozenset(), **kwargs: Any) -> None:
    # Product-only changes leave these tables and the category tree alone.
    if kinds:
        invalidate()


REFERENCE_MODELS: Final = (
    models.Market,
    models.Pricelist,
    models.Language,
    models.Country,
    models.State,
    models.Category,
    models.CategoryText,
)


def connect_receivers() -> None:
    """Listen for changes of the reference data (called from ``CatalogConfig.ready``)."""
    for model in REFERENCE_MODELS:
        uid = f"catalog.reference.{model.__name__}"
        post_save.connect(_invalidate_now_and_on_commit, sender=model, dispatch_uid=uid)
        post_delete.connect(_invalidate_now_and_on_commit, sender=model, dispatch_uid=uid)
    catalog_changed.connect(_on_catalog_changed, dispatch_uid="catalog.reference")
