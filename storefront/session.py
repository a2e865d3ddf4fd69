"""What the shopper's browser holds for the shop, each part read and written only through the
classes here.

Two places, by what needs them:

- the **shopper cookie** (:class:`ShopperCookie`, signed, so it cannot be forged): what every
  page needs to render, so that catalog pages never read the server-side session: the shopper's
  choices and the market and pricelist Centra chose for their selection
  (:class:`ShopperChoices`), the cart's item count and the signed-in customer's first name for
  the header (:class:`CustomerLogin`), and a preview grant;
- the **Django session** (server side): what must stay secret or be revocable: the Centra
  selection token and the payments this browser started (:class:`CentraSession`), whether
  that token is logged in to a customer account (:class:`CustomerLogin`), and staff sign-in.

A page that only shows the catalog costs no session read, with a cart or without.
:class:`BrowserState` carries both to the services; the shopper context middleware puts one on
every request (``request.browser``) and writes the cookie back when it changed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from centra.client import CentraResponse
from centra.selection_api import SelectionLocation

COOKIE_NAME: Final = "shopper"
_SALT: Final = "storefront.shopper-cookie"
CENTRA_KEY: Final = "centra"
MAX_PAYMENTS: Final = 20
# The cookie's keys.
CHOICES: Final = "choices"
CART_COUNT: Final = "count"
PREVIEW_UNTIL: Final = "preview"
CUSTOMER: Final = "customer"
# The plain cookies a shared HTTP cache reads (docs/http-cache.md): the page's market key, and
# a hint that this browser previews unpublished content.
MARKET_COOKIE: Final = "shop_market"
PREVIEW_HINT_COOKIE: Final = "shop_preview"
_MARKET_KEY = re.compile(r"^([A-Z]{2})(?:-([0-9]{1,9})-([0-9]{1,9}))?$")


class ShopperCookie:
    """A small signed cookie holding a dict; ``modified`` once anything was written."""

    def __init__(self, value: str | None = None) -> None:
        self._data: dict[str, Any] = _unsigned(value)
        self.modified = False

    @staticmethod
    def encode(data: dict[str, Any]) -> str:
        """The cookie value holding ``data``."""
        return signing.dumps(data, salt=_SALT, compress=True)

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if self._data.get(key) != value:
            self._data[key] = value
            self.modified = True

    def pop(self, key: str) -> None:
        if key in self._data:
            del self._data[key]
            self.modified = True

    def write(self, response: HttpResponseBase) -> None:
        """Set (or, emptied, delete) the cookie on ``response`` when it changed."""
        if not self.modified:
            return
        if not self._data:
            response.delete_cookie(COOKIE_NAME, samesite="Lax")
            return
        response.set_cookie(
            COOKIE_NAME,
            self.encode(self._data),
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _unsigned(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = signing.loads(value, salt=_SALT, max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:
        return {}  # tampered with, expired, or from another SECRET_KEY: start afresh
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class MarketKey:
    """Where the shopper shops, as a shared cache keys pages on it: the country, and the
    (market, pricelist) Centra chose for the selection when it chose one (``SE`` or ``SE-1-2``).

    It is the one input, besides the URL, that a catalog page's prices and products come from,
    so a cache that keys on it can never hand one market's page to another. It is not signed: a
    shopper who edits it sees another pricelist's public prices, as choosing that country in
    the switcher would show them; the cart and checkout show Centra's own answers."""

    country: str
    location: tuple[int, int] | None = None

    def encode(self) -> str:
        if self.location is None:
            return self.country
        return f"{self.country}-{self.location[0]}-{self.location[1]}"

    @classmethod
    def parse(cls, value: str | None) -> MarketKey | None:
        match = _MARKET_KEY.match(value or "")
        if match is None:
            return None
        country, market, pricelist = match.groups()
        location = (int(market), int(pricelist)) if market and pricelist else None
        return cls(country, location)


class ProxyCookies:
    """The plain cookies a shared HTTP cache reads (:data:`MARKET_COOKIE`,
    :data:`PREVIEW_HINT_COOKIE`), written only by requests that change them: those are POSTs
    and private pages, never a page a cache keeps."""

    def __init__(self, cookies: Mapping[str, str]) -> None:
        self.market = MarketKey.parse(cookies.get(MARKET_COOKIE))
        self._market_changed = False
        self._preview_hint = PREVIEW_HINT_COOKIE in cookies
        self._preview_until: int | None = None
        self._preview_changed = False

    def set_market(self, key: MarketKey) -> None:
        if key != self.market:
            self.market = key
            self._market_changed = True

    def set_preview(self, until: int | None) -> None:
        """Preview is on until ``until`` (a timestamp), or off (None)."""
        if until is None and not self._preview_hint:
            return
        self._preview_hint = until is not None
        self._preview_until = until
        self._preview_changed = True

    def write(self, response: HttpResponseBase) -> None:
        if self._market_changed and self.market is not None:
            response.set_cookie(
                MARKET_COOKIE,
                self.market.encode(),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if not self._preview_changed:
            return
        if self._preview_until is None:
            response.delete_cookie(PREVIEW_HINT_COOKIE, samesite="Lax")
            return
        response.set_cookie(
            PREVIEW_HINT_COOKIE,
            "1",
            # Gone when the grant ends, so the cache serves this browser again.
            max_age=min(
                max(0, self._preview_until - int(time.time())), settings.SESSION_COOKIE_AGE
            ),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


@dataclass(frozen=True, slots=True)
class BrowserState:
    """The shopper's session (server side), shopper cookie (client side, signed) and the plain
    cookies a shared cache reads, together."""

    session: MutableMapping[str, Any]
    cookie: ShopperCookie
    proxy: ProxyCookies

    def write(self, response: HttpResponseBase) -> None:
        """The cookies that changed, onto ``response``."""
        self.cookie.write(response)
        self.proxy.write(response)

    @classmethod
    def of(cls, request: HttpRequest) -> BrowserState:
        """The request's state (the one the middleware attached, so writes reach the
        response), else a fresh one read from the request."""
        attached = getattr(request, "browser", None)
        if isinstance(attached, BrowserState):
            return attached
        session = getattr(request, "session", None)
        cookie = ShopperCookie(request.COOKIES.get(COOKIE_NAME))
        return cls(session if session is not None else {}, cookie, ProxyCookies(request.COOKIES))


class ShopperChoices:
    """The shopper's country, and the market and pricelist Centra chose for their selection, in
    the market key cookie (:class:`MarketKey`: what catalog pages are rendered from); the state
    and language they chose (with the country the state belongs to) in the shopper cookie."""

    def __init__(self, browser: BrowserState) -> None:
        self._cookie = browser.cookie
        self._proxy = browser.proxy

    def _data(self) -> dict[str, Any]:
        data = self._cookie.get(CHOICES)
        return data if isinstance(data, dict) else {}

    @property
    def country(self) -> str | None:
        key = self._proxy.market
        return key.country if key is not None else None

    @property
    def state(self) -> str | None:
        """The state chosen, if it was chosen for :attr:`country`."""
        data = self._data()
        if data.get("country") != self.country:
            return None
        return _str_or_none(data.get("state"))

    @property
    def language(self) -> str | None:
        return _str_or_none(self._data().get("language"))

    @property
    def centra_location(self) -> tuple[int, int] | None:
        """(market, pricelist) Centra answered for the shopper's selection, if any."""
        key = self._proxy.market
        return key.location if key is not None else None

    def choose(self, *, country: str, language: str, state: str | None = None) -> None:
        """The shopper's choice without a selection: the storefront derives market and
        pricelist from the country, so none is kept."""
        self._cookie[CHOICES] = {"country": country, "state": state, "language": language}
        self._proxy.set_market(MarketKey(country.upper()))

    def remember_location(self, location: SelectionLocation, *, language: str) -> None:
        """Keep what Centra answered for the shopper's selection; call it after any selection
        answer that may have moved it."""
        self._cookie[CHOICES] = {
            "country": location.country,
            "state": location.state,
            "language": location.language or language,
        }
        if location.country:
            where = (location.market, location.pricelist)
            self._proxy.set_market(MarketKey(location.country.upper(), where))


class CentraSession:
    """The shopper's Centra selection: its token and the payments this browser started (in the
    session: secrets), and its item count at the last answer (in the cookie: the header shows it
    on every page, without asking Centra or reading the session)."""

    def __init__(self, browser: BrowserState) -> None:
        self._session = browser.session
        self._cookie = browser.cookie

    def _data(self) -> dict[str, Any]:
        data = self._session.get(CENTRA_KEY)
        return dict(data) if isinstance(data, dict) else {}

    def _write(self, **changes: Any) -> None:
        data = self._data()
        data.update(changes)
        self._session[CENTRA_KEY] = data

    @property
    def token(self) -> str | None:
        token = self._data().get("token")
        return token if isinstance(token, str) and token else None

    def set_token(self, token: str) -> None:
        self._write(token=token)

    @property
    def item_count(self) -> int:
        count = self._cookie.get(CART_COUNT)
        return count if isinstance(count, int) and count > 0 else 0

    def remember(self, response: CentraResponse) -> SelectionChange:
        """Keep what a selection answer says about the cart: its token and item count."""
        before = self.item_count
        after = total_quantity(response.data)
        replaced = response.token_changed and response.sent_token is not None
        if response.token and response.token != self.token:
            self.set_token(response.token)
        self._set_count(after)
        return SelectionChange(before, after, token_replaced=replaced)

    def forget_selection(self) -> None:
        """The selection became an order (or is gone): the next cart starts afresh. A token
        logged in to a customer account is kept: the login is tied to it, and after an order
        Centra gives it a new, empty selection."""
        data = self._data()
        if data.get(CUSTOMER) is not True:
            data.pop("token", None)
        self._session[CENTRA_KEY] = data
        self._set_count(0)

    def _set_count(self, count: int) -> None:
        if count:
            self._cookie[CART_COUNT] = count
        else:
            self._cookie.pop(CART_COUNT)

    @property
    def payments(self) -> tuple[str, ...]:
        ids = self._data().get("payments")
        return tuple(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else ()

    def add_payment(self, payment_id: str) -> None:
        # The latest few are enough: a receipt is looked at right after paying.
        self._write(payments=[*self.payments, payment_id][-MAX_PAYMENTS:])


class CustomerLogin:
    """Whether the shopper's Centra session is logged in to a customer account.

    The session holds the fact (it grants the account pages; it goes with the session); the
    cookie holds only the first name the header greets with, so every page, cached catalog
    pages included, shows "Sign in" or the name without a session read or a Centra call. The
    name in the cookie is a greeting, never a permission: account pages ask the session and
    Centra."""

    def __init__(self, browser: BrowserState) -> None:
        self._session = browser.session
        self._cookie = browser.cookie

    @property
    def signed_in(self) -> bool:
        data = self._session.get(CENTRA_KEY)
        return isinstance(data, dict) and data.get(CUSTOMER) is True

    @property
    def greeting_name(self) -> str | None:
        """The first name the header shows ("" for a customer without one); None: signed out."""
        name = self._cookie.get(CUSTOMER)
        return name if isinstance(name, str) else None

    def sign_in(self, first_name: str) -> None:
        data = self._session.get(CENTRA_KEY)
        data = dict(data) if isinstance(data, dict) else {}
        data[CUSTOMER] = True
        self._session[CENTRA_KEY] = data
        self.greet(first_name)

    def greet(self, first_name: str) -> None:
        """The name the header shows (after a profile change, say)."""
        self._cookie[CUSTOMER] = first_name[:40]

    def sign_out(self) -> None:
        data = self._session.get(CENTRA_KEY)
        if isinstance(data, dict) and CUSTOMER in data:
            data = dict(data)
            del data[CUSTOMER]
            self._session[CENTRA_KEY] = data
        self._cookie.pop(CUSTOMER)


@dataclass(frozen=True, slots=True)
class SelectionChange:
    """What one selection answer did to the cart, as far as the shopper's session can tell."""

    count_before: int
    count_after: int
    token_replaced: bool  # Centra answered another token than the one sent

    @property
    def expired(self) -> bool:
        """The selection we had is gone (its token expired): Centra started a new, empty one."""
        return self.token_replaced and self.count_before > 0 and self.count_after == 0


def total_quantity(answer: dict[str, Any]) -> int:
    """How many items the selection in a Centra answer holds (0 when it holds none)."""
    selection = answer.get("selection")
    totals = selection.get("totals") if isinstance(selection, dict) else None
    quantity = totals.get("totalQuantity") if isinstance(totals, dict) else None
    return quantity if isinstance(quantity, int) and quantity > 0 else 0


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
