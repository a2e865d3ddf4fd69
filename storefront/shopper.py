"""The shopper context of every request: language URL prefixes, then who is shopping where.

Resolution order (:func:`resolve_context`):

1. **Language**: the URL. A language other than the default is served under its prefix
   (``/sv/...``); an unprefixed URL is the default language. A page's language never depends on
   hidden state, so every language has its own URLs (for search engines, shared links and
   caches). The language the shopper picked in the switcher is remembered in the shopper cookie and
   used to send them to that language's URLs.
2. **Country**: the shopper's choice (the market key cookie, :class:`storefront.session.MarketKey`:
   the one cookie a shared HTTP cache keys catalog pages on); else the visitor's country from the
   request header named by ``SHOPPER_COUNTRY_HEADER`` (set by a CDN or proxy, e.g.
   ``CF-IPCountry``) when it names a country the store ships to; else
   ``SHOPPER_DEFAULT_COUNTRY``; else a shippable country of the default market (preferring the
   default pricelist's).
3. **Market and pricelist**: what Centra answered for the shopper's selection (kept in the
   market key cookie when the shopper has one and it is for the same country); else the
   country's own market and pricelist from the local copy
   (:func:`catalog.context.build_context`); else the store defaults.

Language prefixes follow Wagtail's and Django's ``LocaleMiddleware``'s approach, without
``i18n_patterns``: a leading path segment that names a language other than the default
(``/sv/womens``) is taken off ``request.path_info`` before URL resolution, so the URLconf (and
the catch-all route) sees ``/womens`` in every language and needs no per-language patterns.
``request.path`` keeps the prefix, so ``request.get_full_path()`` is still the URL the shopper
asked for.

- ``/sv`` redirects to ``/sv/``; ``/en/...`` (the default language's code) redirects to the
  unprefixed URL, so each page has exactly one URL per language. Only GET and HEAD redirect;
  other methods are served as if unprefixed.
- A language code therefore cannot be the first segment of any other URL (a category URI
  ``sv`` would be shadowed by the Swedish prefix).
- Language codes are expected to look like codes (``sv``, ``en-us``: two or three letters and
  an optional subtag); only such a first segment is checked against the language list.
- ``request.shopper`` is the request's :class:`catalog.context.ShopperContext`, resolved on
  first use (a ``SimpleLazyObject``: attribute access and ``isinstance`` work as usual).

The middleware sits after ``SessionMiddleware``. The shopper's choices come from the signed
shopper cookie (:mod:`storefront.session`) and reference lookups from :mod:`catalog.reference`
(in memory), so resolving costs no SQL and no session read.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import partial
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from catalog.context import (
    ShopperContext,
    build_context,
    known_country,
    localized_path,
    split_language_prefix,
)
from catalog.reference import CountryRef, Reference, get_reference
from storefront.session import BrowserState, ShopperChoices

_REDIRECTING_METHODS = frozenset({"GET", "HEAD"})
# Only a first segment shaped like a language code ("sv", "en-us") is looked up, so most
# requests (and /healthz, which must do no I/O) never need the language list.
_LANGUAGE_LIKE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


class ShopRequest(HttpRequest):
    """A request as views see it after :class:`ShopperContextMiddleware` (for type checkers)."""

    shopper: ShopperContext
    browser: BrowserState


class ShopperContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A thread serves one request after another: nothing may carry over the language of the
        # last one (the admin and the probes never resolve a shopper, and stay in LANGUAGE_CODE).
        translation.deactivate()
        language = None
        segment = request.path_info[1:].partition("/")[0]
        if _LANGUAGE_LIKE.match(segment):
            language, redirect = self._take_prefix(request)
            if redirect is not None:
                return redirect
            if language is not None:
                # The URL names the language: the interface speaks it from the start, even in
                # a view that writes a message before it reads the shopper context.
                translation.activate(language)
        shop_request = cast(ShopRequest, request)
        shop_request.browser = BrowserState.of(request)
        # Resolved on first use: a request that never looks (health probes, static files, the
        # admin) pays nothing.
        lazy = SimpleLazyObject(partial(_resolve_and_speak, request, language))
        shop_request.shopper = cast(ShopperContext, lazy)
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        shop_request.browser.write(response)
        return response

    def _take_prefix(self, request: HttpRequest) -> tuple[str | None, HttpResponse | None]:
        """Strip a language prefix from ``request.path_info``; (language, None), or
        (None, a redirect) for "/sv" and for a prefix naming the default language."""
        ref = get_reference()
        language, rest = split_language_prefix(request.path_info, ref.prefixed_languages)
        redirecting = request.method in _REDIRECTING_METHODS
        if language is not None:
            if not rest and redirecting:
                return None, _redirect(request, request.path + "/")
            request.path_info = rest or "/"
            return language, None
        default, rest = split_language_prefix(request.path_info, frozenset({ref.default_language}))
        if default is None:
            return None, None
        # "/en//host" must not become the scheme-relative "//host".
        target = "/" + rest.lstrip("/")
        if redirecting:
            return None, _redirect(request, _script_prefix(request) + target)
        request.path_info = target
        return None, None


def _script_prefix(request: HttpRequest) -> str:
    return request.path[: len(request.path) - len(request.path_info)]


def _redirect(request: HttpRequest, path: str) -> HttpResponse:
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def resolve_context(
    request: HttpRequest, *, language: str | None = None, reference: Reference | None = None
) -> ShopperContext:
    """The request's shopper context; ``language`` is the URL's (None: the default)."""
    ref = reference or get_reference()
    choices = ShopperChoices(BrowserState.of(request))
    country = (
        known_country(ref, choices.country)
        or _header_country(request, ref)
        or known_country(ref, settings.SHOPPER_DEFAULT_COUNTRY)
        or ref.fallback_country()
    )
    chosen = country is not None and country.code == choices.country
    centra = choices.centra_location if chosen else None
    state = choices.state if chosen else None
    return build_context(ref, country=country, state=state, language=language, centra=centra)


def _resolve_and_speak(request: HttpRequest, language: str | None) -> ShopperContext:
    """The request's context; from here on the interface (Django's i18n: the templates' and
    views' gettext) speaks the page's language. Every shop page reads its context before it
    renders anything, so its texts come out in that language."""
    ctx = resolve_context(request, language=language)
    translation.activate(ctx.language)
    return ctx


def _header_country(request: HttpRequest, ref: Reference) -> CountryRef | None:
    header = settings.SHOPPER_COUNTRY_HEADER
    if not header:
        return None
    code = request.headers.get(header, "").strip()
    country = known_country(ref, code) if len(code) == 2 else None
    # A geo guess must not land the shopper where the store cannot deliver; an explicit choice
    # through the switcher is checked the same way.
    return country if country is not None and country.ship_to else None


def language_alternates(
    request: HttpRequest, ref: Reference | None = None
) -> list[tuple[str, str]]:
    """(language, path) of the current page in every language, default first; for
    ``hreflang`` links (paths are site-relative; make them absolute for the tag)."""
    ref = ref or get_reference()
    path = request.path_info
    codes = sorted(ref.languages, key=lambda code: (code != ref.default_language, code))
    return [(code, localized_path(path, code, ref.default_language)) for code in codes]


def shopper_ip(request: HttpRequest) -> str:
    """The shopper's IP address (for Centra's fraud checks, and what rate limits count by):
    from ``SHOPPER_IP_HEADER`` when the proxy sets one (the first address of a list), else the
    connection's; "" when not an IP."""
    header = settings.SHOPPER_IP_HEADER
    raw = request.headers.get(header, "") if header else request.META.get("REMOTE_ADDR", "")
    candidate = raw.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""
