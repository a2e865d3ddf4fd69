"""What the header and footer of every shop page show: the category navigation, the
country/language switcher, the cart link and the footer's links to CMS pages.

Both are the same for every page view of one language (and, for the switcher, one country), so
they are rendered once per reference data version and kept in this process
(:func:`catalog.reference.memoized`, which drops them when the store's countries, languages or
categories change). Rendering the switcher's ``<option>`` lists through the template engine (a
dozen countries, each with its ``selected`` test) cost about half a millisecond per page: more
than the rest of a cached product page's body. Only the CSRF token and the ``next`` path are per
request; the template renders those live around the cached parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from catalog.categories import category_tree
from catalog.reference import get_reference, memoized
from storefront.http_cache import is_shopper_free
from storefront.session import CentraSession
from storefront.shopper import ShopRequest, language_alternates

OPTIONS_TEMPLATE = "includes/switcher_options.html"
NAV_TEMPLATE = "shop/parts/nav.html"


@dataclass(frozen=True, slots=True)
class PageLink:
    """A footer link to one of the shop's CMS pages, in the shopper's language."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class SwitcherOptions:
    """The switcher's choices for one country and language, with their markup."""

    countries: tuple[Choice, ...]
    languages: tuple[Choice, ...]
    # The <option> elements of each <select>, escaped and ready to print.
    country_options: SafeString
    language_options: SafeString


class Switcher:
    """What the header's country/language form shows: the cached choices and the two values
    that differ from one request to the next (``next``; the CSRF token comes from the
    template's ``{% csrf_token %}``)."""

    __slots__ = ("_request", "action", "next", "options")

    def __init__(
        self, request: HttpRequest, action: str | None, next: str, options: SwitcherOptions
    ) -> None:
        self._request = request
        self.action = action  # None in a URLconf without the switcher's route
        self.next = next
        self.options = options

    @property
    def countries(self) -> tuple[Choice, ...]:
        return self.options.countries

    @property
    def languages(self) -> tuple[Choice, ...]:
        return self.options.languages

    @property
    def alternates(self) -> list[tuple[str, str]]:
        """(language, path) of this page in every language, for hreflang links; computed only
        when asked for (the header does not need it)."""
        return language_alternates(self._request)


def shopper(request: HttpRequest) -> dict[str, Any]:
    ctx = getattr(request, "shopper", None)
    if ctx is None:
        return {}
    shop_request = cast(ShopRequest, request)
    return {
        "shopper": ctx,
        "shopper_switcher": SimpleLazyObject(lambda: switcher(shop_request)),
        "shopper_cart": SimpleLazyObject(lambda: cart_link(shop_request)),
    }


def switcher(request: ShopRequest) -> Switcher:
    ctx = request.shopper
    action, options = _cached_parts(ctx.country, ctx.language)
    return Switcher(request, action=action, next=request.get_full_path(), options=options)


def switcher_options(country: str | None, language: str) -> SwitcherOptions:
    """The choices with ``country`` and ``language`` selected, built once per reference data
    version (the key holds both selections, so each shopper sees their own marked)."""
    return _cached_parts(country, language)[1]


def _cached_parts(country: str | None, language: str) -> tuple[str | None, SwitcherOptions]:
    """The form's action and its options, from the process memo (one lookup per page view).
    reverse() walks the URLconf on every call and its answer only changes with the URLconf
    and the script prefix, so it is kept alongside, per pair."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = ("switcher", country, language, urlconf, get_script_prefix())
    return memoized(key, lambda: (_reverse_action(), _options(country, language)))


def _options(country: str | None, language: str) -> SwitcherOptions:
    ref = get_reference()
    countries = tuple(Choice(c.code, c.name, c.code == country) for c in ref.shippable_countries)
    languages = tuple(
        Choice(code, lang.name, code == language) for code, lang in ref.languages.items()
    )
    return SwitcherOptions(
        countries=countries,
        languages=languages,
        country_options=_render_options(countries, with_lang=False),
        language_options=_render_options(languages, with_lang=True),
    )


def _render_options(choices: tuple[Choice, ...], *, with_lang: bool) -> SafeString:
    html = render_to_string(OPTIONS_TEMPLATE, {"choices": choices, "with_lang": with_lang})
    return mark_safe(html.strip())  # noqa: S308 (our template, autoescaped)


def _reverse_action() -> str | None:
    try:
        return reverse("shopper-location")
    except NoReverseMatch:
        return None


# -- the cart link -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CartLink:
    """The header's cart entry and the product page's buying form: where they go, in the
    shopper's language, and how many items the cart holds (from the shopper cookie, not from
    Centra); None on a shopper-free page, whose badge static/js/site.js fills in."""

    url: str
    add_url: str
    count: int | None

    def __bool__(self) -> bool:
        return bool(self.url)

    @property
    def html(self) -> SafeString:
        """The header's link, in Python rather than a template: it is on every page view and
        the template engine's plural translation cost a tenth of a cached page's time."""
        if not self.url:
            return SafeString("")
        if self.count is None:
            return format_html(
                '<a class="cart-link" href="{}">{} <span class="cart-count" data-cart-count>'
                "</span></a>",
                self.url,
                gettext("Cart"),
            )
        return format_html(
            '<a class="cart-link" href="{}">{} <span class="cart-count" data-cart-count '
            'aria-label="{}">{}</span></a>',
            self.url,
            gettext("Cart"),
            items_label(self.count),
            self.count,
        )


def items_label(count: int) -> str:
    """ "3 items": what the cart count badge says to a screen reader."""
    return ngettext("%(count)d item", "%(count)d items", count) % {"count": count}


def cart_link(request: ShopRequest) -> CartLink:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = ("cart-links", request.shopper.language, urlconf, get_script_prefix())
    url, add_url = memoized(key, lambda: _cart_urls(request.shopper.url))
    if is_shopper_free(request):
        return CartLink(url, add_url, None)
    return CartLink(url, add_url, CentraSession(request.browser).item_count)


def _cart_urls(localize: Callable[[str], str]) -> tuple[str, str]:
    try:
        return localize(reverse("cart")), localize(reverse("cart-add"))
    except NoReverseMatch:  # a URLconf without the cart
        return "", ""


# -- the category navigation -----------------------------------------------------------------


def navigation(request: ShopRequest) -> dict[str, Any]:
    """The header's and footer's links in the shopper's language: ``nav_categories``,
    ``home_url``, ``search_url``, the rendered ``nav``, and the footer's ``footer_pages`` and
    ``legal_pages``."""
    ctx = request.shopper
    # The links depend on the language, the category tree (both in the memo's version) and
    # the URLconf; the rendered list is the same for every page view.
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = ("shop-navigation", ctx.language, urlconf, get_script_prefix())
    return memoized(key, lambda: _build_navigation(request))


def _build_navigation(request: ShopRequest) -> dict[str, Any]:
    ctx = request.shopper
    links = {
        "nav_categories": category_tree(ctx),
        "home_url": ctx.url("/"),
        "search_url": ctx.url(reverse("search")),
    }
    nav = mark_safe(render_to_string(NAV_TEMPLATE, links))  # noqa: S308 (our template)
    return {
        **links,
        "nav": nav,
        "footer_pages": page_links(ctx.url, settings.FOOTER_PAGES),
        "legal_pages": page_links(ctx.url, settings.LEGAL_PAGES),
    }


def page_links(
    localize: Callable[[str], str], pages: Sequence[tuple[str, str]]
) -> tuple[PageLink, ...]:
    """Links to CMS pages named in the settings ((uri, English label) pairs): the footer costs
    no Centra call, and the label is translated like any interface text (the defaults' are in
    the catalogs; a shop that names other pages adds their labels to ``locale/``)."""
    return tuple(PageLink(localize("/" + uri), gettext(label)) for uri, label in pages)
