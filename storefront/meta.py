"""What every page's ``<head>`` tells search engines and link previews: title, description,
canonical and ``hreflang`` links, Open Graph tags and JSON-LD documents.

Views build one :class:`PageMeta` per page with :func:`page_meta`;
``templates/includes/seo_head.html`` prints it. Builders take plain values and return plain
data; what a product or a category page adds (its JSON-LD) is :mod:`routing.seo`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from storefront.shopper import language_alternates

SITE_NAME: Final = "Centra Storefront"
# Between a page's own title and the shop's name in the browser's title bar and search results.
TITLE_SEPARATOR: Final = " | "
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

    @property
    def document_title(self) -> str:
        """The ``<title>``: "<page> | <shop name>" (see :func:`document_title`)."""
        return document_title(self.title)


def document_title(title: str) -> str:
    """Every page's ``<title>``: "<page> | <shop name>"; the shop's name alone for a page
    without a title of its own, and unchanged when the title already ends with it (a
    ``metaTitle`` an editor wrote that way in Centra)."""
    title = " ".join(str(title).split())
    if not title or title == SITE_NAME or title.endswith(TITLE_SEPARATOR + SITE_NAME):
        return title or SITE_NAME
    return title + TITLE_SEPARATOR + SITE_NAME


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
