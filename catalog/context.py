"""The shopper context: who is shopping where, resolved once per request.

Resolution order (:func:`resolve_context`):

1. **Language**: the URL. A language other than the default is served under its prefix
   (``/sv/...``, stripped by :class:`catalog.middleware.ShopperContextMiddleware`); an
   unprefixed URL is the default language. A page's language never depends on hidden state,
   so every language has its own URLs (for search engines, shared links and caches). The
   language the shopper picked in the switcher is remembered in the session and used to send
   them to that language's URLs.
2. **Country**: the shopper's choice in the session; else the visitor's country from the
   request header named by ``SHOPPER_COUNTRY_HEADER`` (set by a CDN or proxy, e.g.
   ``CF-IPCountry``) when it names a country the store ships to; else
   ``SHOPPER_DEFAULT_COUNTRY``; else a shippable country of the default market (preferring the
   default pricelist's).
3. **Market and pricelist**: what Centra answered for the shopper's selection (kept in the
   session when the shopper has one and it is for the same country); else the country's own
   market and pricelist from the local copy; else the store defaults.

Reference lookups come from :mod:`catalog.reference` (in memory), so resolving costs no SQL
beyond loading the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from catalog.reference import CountryRef, Reference, get_reference
from centra.selection_api import SelectionLocation

SESSION_KEY: Final = "shopper"


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


# -- the shopper's choices in the session -----------------------------------------------------


class ShopperChoices:
    """The shopper's own choices, under one session key: ``{"country", "state", "language"}``,
    plus ``market`` and ``pricelist`` when Centra chose them for the shopper's selection."""

    def __init__(self, session: SessionBase | dict[str, Any] | None) -> None:
        self._session = session

    def _data(self) -> dict[str, Any]:
        if self._session is None:
            return {}
        data = self._session.get(SESSION_KEY)
        return data if isinstance(data, dict) else {}

    @property
    def country(self) -> str | None:
        return _str_or_none(self._data().get("country"))

    @property
    def state(self) -> str | None:
        return _str_or_none(self._data().get("state"))

    @property
    def language(self) -> str | None:
        return _str_or_none(self._data().get("language"))

    @property
    def centra_location(self) -> tuple[int, int] | None:
        """(market, pricelist) Centra answered for the shopper's selection, if any."""
        data = self._data()
        market, pricelist = data.get("market"), data.get("pricelist")
        if isinstance(market, int) and isinstance(pricelist, int):
            return market, pricelist
        return None

    def choose(self, *, country: str, language: str, state: str | None = None) -> None:
        """The shopper's choice without a selection: the storefront derives market and
        pricelist from the country, so none is kept."""
        self._write({"country": country, "state": state, "language": language})

    def remember_location(self, location: SelectionLocation, *, language: str) -> None:
        """Keep what Centra answered for the shopper's selection; the cart calls this too
        after any selection answer that may have moved it."""
        self._write(
            {
                "country": location.country,
                "state": location.state,
                "language": location.language or language,
                "market": location.market,
                "pricelist": location.pricelist,
            }
        )

    def _write(self, data: dict[str, Any]) -> None:
        if self._session is None:
            raise RuntimeError("no session to store the shopper's choice in")
        self._session[SESSION_KEY] = data


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- resolution -------------------------------------------------------------------------------


def resolve_context(
    request: HttpRequest, *, language: str | None = None, reference: Reference | None = None
) -> ShopperContext:
    """The request's shopper context; ``language`` is the URL's (None: the default)."""
    ref = reference or get_reference()
    choices = ShopperChoices(getattr(request, "session", None))
    country = (
        _known(ref, choices.country)
        or _header_country(request, ref)
        or _known(ref, settings.SHOPPER_DEFAULT_COUNTRY)
        or ref.fallback_country()
    )
    centra = choices.centra_location if country and country.code == choices.country else None
    state = choices.state if country and choices.country == country.code else None
    return build_context(ref, country=country, state=state, language=language, centra=centra)


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


def _known(ref: Reference, code: str | None) -> CountryRef | None:
    return ref.countries.get(code.upper()) if code else None


def _header_country(request: HttpRequest, ref: Reference) -> CountryRef | None:
    header = settings.SHOPPER_COUNTRY_HEADER
    if not header:
        return None
    code = request.headers.get(header, "").strip()
    country = _known(ref, code) if len(code) == 2 else None
    # A geo guess must not land the shopper where the store cannot deliver; an explicit choice
    # through the switcher is checked the same way.
    return country if country is not None and country.ship_to else None


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


def language_alternates(
    request: HttpRequest, ref: Reference | None = None
) -> list[tuple[str, str]]:
    """(language, path) of the current page in every language, default first; for
    ``hreflang`` links (paths are site-relative; make them absolute for the tag)."""
    ref = ref or get_reference()
    path = request.path_info
    codes = sorted(ref.languages, key=lambda code: (code != ref.default_language, code))
    return [(code, localized_path(path, code, ref.default_language)) for code in codes]
