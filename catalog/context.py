"""The shopper context: where and in what language a shopper shops, the input of every catalog
read.

:class:`ShopperContext` is resolved once per request by
:class:`storefront.shopper.ShopperContextMiddleware` (from the URL's language prefix, the
shopper's choices in the session and the store defaults) and passed explicitly to every
selector. :func:`build_context` is the part of that resolution the catalog itself knows: which
market and pricelist a country gets, from the local copy's reference data (in memory, so it costs
no SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.reference import CountryRef, Reference


@dataclass(frozen=True, slots=True)
class ShopperContext:
    """Where and in what language the shopper shops; passed to every catalog selector."""

    country: str | None
    state: str | None
    market: int
    pricelist: int
    language: str
    default_language: str
    currency: str
    # Centra's currencyFormat of the pricelist (prefix, suffix, decimalPoint, decimalDigits...).
    currency_format: dict[str, Any] = field(hash=False, compare=False)
    language_prefix: str  # "" for the default language, else "/sv"

    def url(self, path: str) -> str:
        """``path`` (unprefixed, from the site root) as served in this context's language."""
        return localized_path(path, self.language, self.default_language)


def build_context(
    ref: Reference,
    *,
    country: CountryRef | None,
    state: str | None = None,
    language: str | None = None,
    centra: tuple[int, int] | None = None,
) -> ShopperContext:
    """The context for ``country`` (None: the store defaults) in ``language`` (unknown or None:
    the default language); ``centra`` is the (market, pricelist) Centra chose, if any."""
    market = pricelist = None
    if centra and centra[0] in ref.markets and centra[1] in ref.pricelists:
        market, pricelist = centra
    if market is None and country is not None:
        market, pricelist = country.market, country.pricelist
    market = market if market is not None else ref.default_market
    pricelist = pricelist if pricelist is not None else ref.default_pricelist
    prices = ref.pricelists.get(pricelist) if pricelist is not None else None
    if language not in ref.languages:
        language = ref.default_language
    if country is None or state not in {s.code for s in country.states}:
        state = None
    return ShopperContext(
        country=country.code if country else None,
        state=state,
        market=market or 0,
        pricelist=pricelist or 0,
        language=language,
        default_language=ref.default_language,
        currency=prices.currency if prices else "",
        currency_format=dict(prices.currency_format) if prices else {},
        language_prefix="" if language == ref.default_language else f"/{language}",
    )


def known_country(ref: Reference, code: str | None) -> CountryRef | None:
    """The store's country ``code`` (any case), or None."""
    return ref.countries.get(code.upper()) if code else None


# -- language prefixes ------------------------------------------------------------------------


def localized_path(path: str, language: str, default_language: str) -> str:
    """``path`` (unprefixed, from the site root) as served in ``language``."""
    if not path.startswith("/"):
        path = "/" + path
    if not language or language == default_language:
        return path
    return f"/{language}{path}"


def split_language_prefix(path: str, prefixed: frozenset[str]) -> tuple[str | None, str]:
    """(language, the rest of the path) when ``path`` starts with a prefixed language's
    segment, else (None, ``path``). ``"/sv"`` gives ("sv", ""): the caller adds the slash."""
    segment, slash, rest = path[1:].partition("/")
    if segment in prefixed:
        return segment, slash + rest
    return None, path


def strip_language_prefix(path: str, ref: Reference) -> str:
    """``path`` without a leading language segment (any language, default included)."""
    language, rest = split_language_prefix(path, frozenset(ref.languages))
    if language is None:
        return path
    return rest or "/"
