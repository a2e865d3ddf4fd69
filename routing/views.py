"""The shop's catalog views: the catch-all, home, search, the country/language switcher and the
preview link endpoints.

``serve`` follows Wagtail's serve -> route -> render: :func:`routing.resolve.resolve` decides
what the path is, :func:`before_render` is the one hook where redirects, "not found" and
"unavailable" step in, and a renderer per kind draws the page. Preview is switched on around
it all by :func:`routing.preview.preview_aware`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from catalog.listing import parse_listing_query
from catalog.search import clean_query
from catalog.suggestions import suggestions
from routing import preview
from routing.preview import PageRequest
from routing.renderers import (
    render_article,
    render_category,
    render_home,
    render_product,
    render_search,
)
from routing.resolve import (
    CATEGORY,
    CMS,
    LOCAL,
    NOT_FOUND,
    PRODUCT,
    REDIRECT,
    UNAVAILABLE,
    Resolution,
)
from routing.resolve import resolve as resolve_path
from routing.switcher import SwitchRefused, switch_location
from routing.validators import shopper_free
from storefront import http_cache
from storefront.meta import page_meta
from storefront.pages import render_page
from storefront.return_paths import return_path
from storefront.same_origin import same_origin_post

# Seconds a shopper (or crawler) is asked to wait when Centra cannot be reached.
RETRY_AFTER = 30


@require_safe
@preview.preview_aware
def home(request: PageRequest) -> HttpResponse:
    return render_home(request)


@require_safe
@preview.preview_aware
def search(request: PageRequest) -> HttpResponse:
    query = clean_query(request.GET.get("q", ""))
    return render_search(request, query.text, cut=query.cut)


@require_safe
@shopper_free
def search_suggestions(request: PageRequest) -> JsonResponse:
    """What the search box offers while a shopper types (JSON; no Centra call). The same for
    every shopper of a market: shared caches answer the common prefixes."""
    http_cache.tag(request, http_cache.SEARCH)
    query = clean_query(request.GET.get("q", ""))
    found = suggestions(request.shopper, query.text)
    return JsonResponse(
        {
            "products": [{"name": p.name, "url": p.url} for p in found.products],
            "categories": [{"name": c.name, "url": c.url} for c in found.categories],
        }
    )


@require_safe
@preview.preview_aware
def serve(request: PageRequest, path: str) -> HttpResponse:
    """Any path no other route claims: a product, category or CMS page, or a friendly 404."""
    page = parse_listing_query(request.GET).page
    in_preview = request.preview is not None
    resolution = resolve_path(request.shopper, path, preview=in_preview, page=page)
    response = before_render(request, resolution)
    if response is None:
        response = RENDERERS[resolution.kind](request, resolution)
    return response


def before_render(request: PageRequest, resolution: Resolution) -> HttpResponse | None:
    """The one place where a resolved path may be answered by something else than its page."""
    if resolution.kind == REDIRECT:
        query = request.META.get("QUERY_STRING", "")
        target = resolution.location + (f"?{query}" if query else "")
        # Preview content may move before it is published: not a permanent answer.
        redirect = HttpResponseRedirect if request.preview else HttpResponsePermanentRedirect
        return redirect(target)
    if resolution.kind == NOT_FOUND:
        http_cache.tag(request, http_cache.MISSING)
        raise Http404("nothing at this path")
    if resolution.kind == UNAVAILABLE:
        meta = page_meta(request, title=_("Temporarily unavailable"), robots="noindex, nofollow")
        response = render_page(request, "shop/unavailable.html", {"meta": meta}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return None


def _flags(request: PageRequest, resolution: Resolution) -> dict[str, bool]:
    return {
        # Only public pages from the local catalog go through the page cache.
        "cacheable": request.preview is None and resolution.source == LOCAL,
        "unpublished": resolution.unpublished,
        "preview_failed": resolution.preview_failed,
    }


def _product(request: PageRequest, resolution: Resolution) -> HttpResponse:
    assert resolution.product is not None
    return render_product(request, resolution.product, **_flags(request, resolution))


def _category(request: PageRequest, resolution: Resolution) -> HttpResponse:
    assert resolution.category is not None
    return render_category(
        request, resolution.category, resolution.listing, **_flags(request, resolution)
    )


def _article(request: PageRequest, resolution: Resolution) -> HttpResponse:
    assert resolution.article is not None
    return render_article(request, resolution.article, **_flags(request, resolution))


RENDERERS: dict[str, Callable[[PageRequest, Resolution], HttpResponse]] = {
    PRODUCT: _product,
    CATEGORY: _category,
    CMS: _article,
}


# -- the country/language switcher ----------------------------------------------------------


def _switch_question(request: HttpRequest) -> str:
    return _("Change your country and language?")


@same_origin_post(_switch_question)
@require_POST
def switch_shopper_location(request: PageRequest) -> HttpResponseRedirect:
    """Apply the shopper's choice and send them back to the same page in the chosen language;
    on a refusal, back to the page as it was, with the reason."""
    wanted = request.POST.get("next")
    try:
        outcome = switch_location(
            request.browser,
            request.shopper,
            country=request.POST.get("country"),
            language=request.POST.get("language"),
        )
    except SwitchRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(return_path(request, wanted))
    if outcome.items_removed:
        messages.warning(
            request,
            ngettext(
                "%(count)d item left your cart: it is not sold in your new country.",
                "%(count)d items left your cart: they are not sold in your new country.",
                outcome.items_removed,
            )
            % {"count": outcome.items_removed},
        )
    return HttpResponseRedirect(return_path(request, wanted, outcome.language))


# -- preview links ----------------------------------------------------------------------------


@staff_member_required
@require_safe
def preview_link(request: PageRequest) -> HttpResponse:
    """Staff make a link that lets someone without a staff account preview a page."""
    path = preview.safe_path(request.GET.get("path", "")) if request.GET.get("path") else ""
    context: dict[str, object] = {
        "path": path,
        "max_age_minutes": preview.link_max_age() // 60,
        "meta": page_meta(request, title="Preview link", robots="noindex, nofollow"),
    }
    if path:
        context["link"] = request.build_absolute_uri(
            preview.link_url(preview.make_link_token(path))
        )
        context["expires"] = datetime.now(tz=UTC) + timedelta(seconds=preview.link_max_age())
    return preview.mark_private(render_page(request, "shop/preview_link.html", context))


@require_safe
def preview_open(request: PageRequest) -> HttpResponse:
    """Open a preview link: preview for this browser session until the link expires."""
    try:
        path, until = preview.read_link_token(request.GET.get("t", ""))
    except preview.PreviewLinkInvalid:
        meta = page_meta(request, title=_("Preview link not valid"), robots="noindex, nofollow")
        response = render_page(request, "shop/preview_denied.html", {"meta": meta}, status=403)
        return preview.mark_private(response)
    preview.grant(request, until)
    return preview.mark_private(HttpResponseRedirect(path))


@require_POST
def preview_exit(request: PageRequest) -> HttpResponse:
    preview.revoke(request)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return preview.mark_private(HttpResponseRedirect(target))
