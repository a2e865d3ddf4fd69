"""What search engines and link previews read: title, description, canonical and ``hreflang``
links, Open Graph tags and JSON-LD.

Views build one :class:`PageMeta` per page with :func:`page_meta`; ``includes/seo_head.html``
prints it. Builders take plain values and return plain data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from catalog.context import language_alternates

SCHEMA: Final = "https://schema.org"
IN_STOCK: Final = "https://schema.org/InStock"
OUT_OF_STOCK: Final = "https://schema.org/OutOfStock"
PRE_ORDER: Final = "https://schema.org/PreOrder"
SITE_NAME: Final = "Centra Storefront"
# Escapes that keep a JSON document from closing the <script> element it sits in.
_SCRIPT_ESCAPES: Final = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True, slots=True)
class Alternate:
    hreflang: str
    url: str


@dataclass(frozen=True, slots=True)
class PageMeta:
    title: str
    description: str = ""
    canonical: str = ""  # absolute; empty for pages that should not be indexed
    alternates: Sequence[Alternate] = ()
    og_type: str = "website"
    image: str = ""  # absolute
    jsonld: Sequence[SafeString] = field(default_factory=tuple)
    robots: str = ""  # e.g. "noindex, follow" for search results
    prev: str = ""  # absolute URLs of the neighbouring pages of a listing
    next: str = ""
    site_name: str = SITE_NAME


def jsonld(data: dict[str, Any]) -> SafeString:
    """``data`` as JSON safe to print inside ``<script type="application/ld+json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 (escaped just above)


def page_meta(
    request: HttpRequest,
    *,
    title: str,
    description: str = "",
    canonical: str | None = None,
    query: str = "",
    og_type: str = "website",
    image: str | None = None,
    data: Iterable[dict[str, Any]] = (),
    robots: str = "",
    prev_query: str | None = None,
    next_query: str | None = None,
) -> PageMeta:
    """Meta for the current page. ``canonical`` is a site-relative URL (default: this page's
    path); ``query`` ("?page=2") is kept on the canonical and alternate links;
    ``prev_query`` and ``next_query`` are the query strings of the neighbouring pages."""
    absolute = request.build_absolute_uri
    links = [Alternate(code, absolute(path + query)) for code, path in language_alternates(request)]
    indexable = not robots.startswith("noindex")
    if links:
        # The default language is listed first and is unprefixed: the x-default.
        links.append(Alternate("x-default", links[0].url))
    return PageMeta(
        title=title,
        description=" ".join(description.split())[:300],
        canonical=absolute((canonical or request.path) + query) if indexable else "",
        alternates=links if indexable else (),
        og_type=og_type,
        image=absolute(image) if image else "",
        jsonld=tuple(jsonld(item) for item in data),
        robots=robots,
        prev=absolute(request.path + _query(prev_query)) if prev_query is not None else "",
        next=absolute(request.path + _query(next_query)) if next_query is not None else "",
    )


def _query(query: str) -> str:
    return "" if query == "?" else query


def availability(stock_states: Iterable[str]) -> str:
    """schema.org availability from Centra's item stock answers ("yes", "few", "no", ...)."""
    states = list(stock_states)
    if any(s not in ("", "no", "0", "preorder") and not s.startswith("-") for s in states):
        return IN_STOCK
    if "preorder" in states:
        return PRE_ORDER
    return OUT_OF_STOCK


def product_jsonld(
    *,
    name: str,
    url: str,
    sku: str = "",
    description: str = "",
    images: Sequence[str] = (),
    brand: str = "",
    price: Decimal | None = None,
    currency: str = "",
    stock_states: Iterable[str] = (),
) -> dict[str, Any]:
    """A schema.org ``Product`` for a product read live from Centra (the local catalog's come
    with ``ProductDetail.json_ld``); an ``Offer`` only when it has a price here."""
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Product", "name": name, "url": url}
    if sku:
        data["sku"] = sku
    if description:
        data["description"] = description
    if images:
        data["image"] = list(images)
    if brand:
        data["brand"] = {"@type": "Brand", "name": brand}
    if price is not None and currency:
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": format(price.quantize(Decimal("0.01")), "f"),
            "priceCurrency": currency,
            "availability": availability(stock_states),
        }
    return data


def absolute_product_jsonld(data: dict[str, Any], absolute: Callable[[str], str]) -> dict[str, Any]:
    """A copy of a ``Product`` document with its site-relative URLs made absolute."""
    result = dict(data)
    if isinstance(result.get("url"), str):
        result["url"] = absolute(result["url"])
    if isinstance(result.get("image"), list):
        result["image"] = [absolute(url) for url in result["image"] if isinstance(url, str)]
    if isinstance(result.get("offers"), dict):
        offers = dict(result["offers"])
        if isinstance(offers.get("url"), str):
            offers["url"] = absolute(offers["url"])
        result["offers"] = offers
    return result


def breadcrumb_jsonld(crumbs: Iterable[Any], absolute: Callable[[str], str]) -> dict[str, Any]:
    """A schema.org ``BreadcrumbList`` from breadcrumbs (``name``, site-relative ``url``)."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": crumb.name, "item": absolute(crumb.url)}
            for n, crumb in enumerate(crumbs, start=1)
        ],
    }
