"""Rendering a shop page: the template, with what every page around it shows.

Every shopper page (catalog pages from :mod:`routing`, and the cart's and account's pages)
renders through :func:`render_page`, which adds the header's navigation and the page's
``<head>`` tags; the switcher and the shopper context come from the context processor
(:func:`storefront.chrome.shopper`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from storefront.chrome import navigation
from storefront.meta import PageMeta
from storefront.shopper import ShopRequest

HEAD_TEMPLATE = "shop/parts/head.html"


def render_page(
    request: ShopRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render with what every shop page shows: the navigation, in the shopper's language, and
    the ``<head>`` tags of the page's ``meta`` (unless the view brings them rendered)."""
    context.update(navigation(request))
    if "head" not in context:
        context["head"] = draw_head(context.get("meta"))
    return render(request, template, context, status=status)


def draw(request: ShopRequest, template: str, context: dict[str, Any]) -> SafeString:
    """A part of a page (a body, a listing), rendered with the navigation's links at hand."""
    full = {**context, **navigation(request)}
    return mark_safe(render_to_string(template, full, request))  # noqa: S308 (our template)


def draw_head(meta: PageMeta | None) -> SafeString:
    """The page's ``<head>`` tags: SEO and sharing (from ``meta``) and the shop's stylesheet."""
    return mark_safe(render_to_string(HEAD_TEMPLATE, {"meta": meta}))  # noqa: S308
