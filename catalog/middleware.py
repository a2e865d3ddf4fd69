"""Language URL prefixes and the shopper context, for every request.

The approach is Wagtail's and Django's ``LocaleMiddleware``'s, without ``i18n_patterns``: a leading
path segment that names a language other than the default (``/sv/womens``) is taken off
``request.path_info`` before URL resolution, so the URLconf (and the catch-all route) sees
``/womens`` in every language and needs no per-language patterns. ``request.path`` keeps the
prefix, so ``request.get_full_path()`` is still the URL the shopper asked for.

- ``/sv`` redirects to ``/sv/``; ``/en/...`` (the default language's code) redirects to the
  unprefixed URL, so each page has exactly one URL per language. Only GET and HEAD redirect;
  other methods are served as if unprefixed.
- A language code therefore cannot be the first segment of any other URL (a category URI
  ``sv`` would be shadowed by the Swedish prefix).
- Language codes are expected to look like codes (``sv``, ``en-us``: two or three letters and
  an optional subtag); only such a first segment is checked against the language list.
- ``request.shopper`` is the request's :class:`catalog.context.ShopperContext`, resolved on
  first use (a ``SimpleLazyObject``: attribute access and ``isinstance`` work as usual).

It sits after ``SessionMiddleware`` (it reads the shopper's choices from the session).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils.functional import SimpleLazyObject

from catalog.context import resolve_context, split_language_prefix
from catalog.reference import get_reference

_REDIRECTING_METHODS = frozenset({"GET", "HEAD"})
# Only a first segment shaped like a language code ("sv", "en-us") is looked up, so most
# requests (and /healthz, which must do no I/O) never need the language list.
_LANGUAGE_LIKE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


class ShopperContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = None
        segment = request.path_info[1:].partition("/")[0]
        if _LANGUAGE_LIKE.match(segment):
            language, redirect = self._take_prefix(request)
            if redirect is not None:
                return redirect
        # Resolved on first use: a request that never looks (health probes, static files, the
        # admin) pays nothing, not even the session read.
        request.shopper = SimpleLazyObject(partial(resolve_context, request, language=language))
        return self.get_response(request)

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
