"""CSRF protection for the forms on cached pages, which carry no CSRF token of their own.

A page a shared cache may keep (``storefront.http_cache``) holds no CSRF token: every shopper
gets the same bytes. Its forms (add to cart, save to wishlist, the country/language switcher,
the newsletter, sign out from the header's menu) carry an empty token field that
``static/js/site.js`` fills from ``/shopper/state``. Without the script, or before it has
answered, such a form posts without a valid token. The views those forms post to are decorated
with :func:`same_origin_post`, which decides, in this order:

1. **The browser proves the request comes from this site** (:func:`proven_same_origin`): the
   ``Origin`` header is this site's origin (scheme and host) or one of
   ``CSRF_TRUSTED_ORIGINS``; or, without an ``Origin`` header, ``Sec-Fetch-Site`` is
   ``same-origin``. Browsers set both headers themselves and a page cannot forge them
   (https://fetch.spec.whatwg.org/#forbidden-request-header); a cross-site form post carries
   the other site's ``Origin`` and ``Sec-Fetch-Site: cross-site``. Tools that forge headers
   (curl, a script on a server) do not hold the shopper's cookies, so they can only act on
   their own cart. The session and CSRF cookies are ``SameSite=Lax`` as a second layer: a
   cross-site POST does not carry them.
2. Otherwise **Django's own CSRF check** (``CsrfViewMiddleware``): a valid token (a form filled
   in by the script, a private page's form) always works, exactly as on any other view.
3. Otherwise the request **does nothing** and the shopper gets a confirmation page, never
   cached, asking the view's question ("Add Relaxed Blazer, M to your cart?") with a fresh
   CSRF token and the same fields: a shopper whose browser sent no proof loses nothing, and a
   cross-site post changes nothing unless the shopper confirms it on this site.

docs/csrf.md says the same for operators.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.http import is_same_domain
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from storefront.meta import page_meta
from storefront.pages import render_page
from storefront.return_paths import return_path
from storefront.shopper import ShopRequest

CONFIRM_TEMPLATE = "shop/confirm_post.html"
# What Django's CSRF check needs no token for (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_FIELD = "csrfmiddlewaretoken"  # noqa: S105 (a field name)

View = Callable[..., HttpResponse]
# The confirmation page's question for one request ("Add X to your cart?").
Question = Callable[[ShopRequest], str]


def proven_same_origin(request: HttpRequest) -> bool:
    """Whether the browser says this request comes from a page of this site (rule 1 above)."""
    origin = request.headers.get("Origin")
    if origin is not None:
        # "null" (a sandboxed frame, a privacy-minded redirect) proves nothing.
        return trusted_origin(request, origin)
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def trusted_origin(request: HttpRequest, origin: str) -> bool:
    """``origin`` is this site's own or one of ``CSRF_TRUSTED_ORIGINS`` (whose
    ``https://*.example.com`` form allows subdomains, as in Django's check)."""
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    if origin == own:
        return True
    trusted: list[str] = list(settings.CSRF_TRUSTED_ORIGINS)
    if origin in trusted:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    for pattern in trusted:
        if "*" not in pattern:
            continue
        allowed = urlsplit(pattern)
        if allowed.scheme == parts.scheme and is_same_domain(parts.netloc, allowed.netloc[1:]):
            return True
    return False


def same_origin_post(question: Question) -> Callable[[View], View]:
    """Guard a view that forms on cached pages post to (see the module's docstring); an
    unproven POST without a valid token gets the confirmation page asking ``question``."""

    def decorate(view: View) -> View:
        # Django's check, run on demand: the URLconf sees the view as exempt (below), so the
        # middleware leaves the decision to this wrapper.
        django_check = CsrfViewMiddleware(_never_called)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in SAFE_METHODS or proven_same_origin(request):
                return view(request, *args, **kwargs)
            refused = django_check.process_view(request, view, args, kwargs)
            if refused is None:
                return view(request, *args, **kwargs)
            if request.method != "POST":
                return cast(HttpResponse, refused)
            return confirmation(cast(ShopRequest, request), question(cast(ShopRequest, request)))

        return csrf_exempt(wrapper)

    return decorate


def confirmation(request: ShopRequest, question: str) -> HttpResponse:
    """The page that asks the shopper to confirm a post their browser did not prove: the same
    fields, posted again to the same path, with a fresh CSRF token; never cached."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != TOKEN_FIELD
        for value in values
    ]
    context = {
        "question": question,
        "action": request.path,
        "fields": fields,
        "back": return_path(request, request.POST.get("next")),
        "meta": page_meta(request, title=_("Please confirm"), robots="noindex, nofollow"),
    }
    response = render_page(request, CONFIRM_TEMPLATE, context)
    response["Cache-Control"] = "private, no-store"
    return response


def _never_called(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only CsrfViewMiddleware.process_view is used")
