"""The header's account entry on every page: "Sign in", or the customer's first name with the
account menu. Read from the signed shopper cookie (:class:`storefront.session.CustomerLogin`),
never from Centra or the session; on a shopper-free page not at all (``/shopper/state`` tells
the page's script)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from catalog.reference import memoized
from storefront.http_cache import is_shopper_free
from storefront.session import CustomerLogin
from storefront.shopper import ShopRequest

_NAMES = (
    "account-home",
    "account-sign-in",
    "account-sign-out",
    "account-orders",
    "account-wishlist",
    "account-newsletter",
    "account-wishlist-add",
)


@dataclass(frozen=True, slots=True)
class AccountLink:
    name: str | None  # None: signed out; "" for a customer without a first name
    urls: dict[
        str, str
    ]  # url name (without "account-", "_" for "-") -> URL in the shopper's language

    @property
    def signed_in(self) -> bool:
        return self.name is not None


def account(request: HttpRequest) -> dict[str, Any]:
    if getattr(request, "shopper", None) is None:
        return {}
    shop_request: ShopRequest = request  # type: ignore[assignment]
    return {"shopper_account": SimpleLazyObject(lambda: account_link(shop_request))}


def account_link(request: ShopRequest) -> AccountLink:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = ("account-links", request.shopper.language, urlconf, get_script_prefix())
    urls = memoized(key, lambda: _urls(request))
    if is_shopper_free(request):
        # The page may be cached and shown to anyone: static/js/site.js puts the name in.
        return AccountLink(None, urls)
    return AccountLink(CustomerLogin(request.browser).greeting_name, urls)


def _urls(request: ShopRequest) -> dict[str, str]:
    try:
        return {
            n.removeprefix("account-").replace("-", "_"): request.shopper.url(reverse(n))
            for n in _NAMES
        }
    except NoReverseMatch:  # a URLconf without the accounts
        return {}
