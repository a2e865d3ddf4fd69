"""The cart page and the cart's actions.

Each view reads the request, calls one service and answers: the page, or, for an action, a
redirect with a message (works without JavaScript) or JSON for the mini-cart script
(``static/js/cart.js``, which asks with ``Accept: application/json``). Every answer is private:
a cart is one shopper's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cart import services
from cart.forms import (
    ITEM_MAX_LENGTH,
    AddToCartForm,
    QuantityForm,
    SizeForm,
    VoucherForm,
    first_error,
)
from cart.services import CartRefused, CartResult, Notice
from catalog.selectors import item_labels
from centra.errors import CentraError, CentraUnavailable
from storefront.meta import page_meta
from storefront.pages import render_page
from storefront.same_origin import same_origin_post
from storefront.session import CentraSession
from storefront.shopper import ShopRequest

ERROR = "error"
# Seconds a shopper is asked to wait when Centra cannot be reached.
RETRY_AFTER = 30


@require_safe
@never_cache
def cart_page(request: ShopRequest) -> HttpResponse:
    try:
        result = services.show_cart(request.browser, request.shopper)
    except CentraError:
        return unavailable(request)
    _tell(request, result.notices)
    context = {
        "cart": result.cart,
        "voucher_form": VoucherForm(),
        "checkout_url": request.shopper.url(reverse("checkout")),
        "meta": page_meta(request, title=_("Your cart"), robots="noindex, nofollow"),
    }
    return render_page(request, "cart/cart.html", context)


def _add_question(request: ShopRequest) -> str:
    raw = request.POST.get("item", "")[:ITEM_MAX_LENGTH]
    label = item_labels(request.shopper, [raw]).get(raw) if raw else None
    if label is None:
        return _("Add this item to your cart?")
    return _("Add %(item)s to your cart?") % {"item": label}


@same_origin_post(_add_question)
@require_POST
@never_cache
def add(request: ShopRequest) -> HttpResponse:
    """Add an item. The mini-cart script gets JSON; a browser posting the form itself (no
    script: the product page may be a cached copy, which cannot show this shopper's message or
    count) goes to the cart page, which shows both."""
    form = AddToCartForm(request.POST)
    back = cart_url(request)
    if not form.is_valid():
        return _answer(request, back, refused=first_error(form))
    item, quantity = form.cleaned_data["item"], form.cleaned_data["quantity"]
    return _act(
        request,
        back,
        lambda: services.add_to_cart(request.browser, request.shopper, item, quantity),
    )


@require_POST
@never_cache
def set_quantity(request: ShopRequest, line: str) -> HttpResponse:
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _answer(request, cart_url(request), refused=first_error(form))
    quantity = form.cleaned_data["quantity"]
    return _act(
        request,
        cart_url(request),
        lambda: services.set_quantity(request.browser, request.shopper, line, quantity),
    )


@require_POST
@never_cache
def remove(request: ShopRequest, line: str) -> HttpResponse:
    return _act(
        request,
        cart_url(request),
        lambda: services.remove_line(request.browser, request.shopper, line),
    )


@require_POST
@never_cache
def change_size(request: ShopRequest, line: str) -> HttpResponse:
    form = SizeForm(request.POST)
    if not form.is_valid():
        return _answer(request, cart_url(request), refused=first_error(form))
    item, quantity = form.cleaned_data["item"], form.cleaned_data["quantity"]
    return _act(
        request,
        cart_url(request),
        lambda: services.change_size(request.browser, request.shopper, line, item, quantity),
    )


@require_POST
@never_cache
def add_voucher(request: ShopRequest) -> HttpResponse:
    form = VoucherForm(request.POST)
    if not form.is_valid():
        return _answer(request, cart_url(request), refused=first_error(form))
    code = form.cleaned_data["voucher"]
    return _act(
        request,
        cart_url(request),
        lambda: services.add_voucher(request.browser, request.shopper, code),
    )


@require_POST
@never_cache
def remove_voucher(request: ShopRequest) -> HttpResponse:
    code = request.POST.get("voucher", "")[: services.MAX_VOUCHER_LENGTH]
    if not code:
        return HttpResponseRedirect(cart_url(request))
    return _act(
        request,
        cart_url(request),
        lambda: services.remove_voucher(request.browser, request.shopper, code),
    )


@require_safe
def add_slash(request: ShopRequest) -> HttpResponse:
    """``/cart`` and ``/checkout`` (in any language) are ``/cart/`` and ``/checkout/``."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))


# -- answering --------------------------------------------------------------------------------


def cart_url(request: ShopRequest) -> str:
    return request.shopper.url(reverse("cart"))


def unavailable(request: ShopRequest) -> HttpResponse:
    """Centra cannot be reached: the cart is safe in Centra, only not reachable just now."""
    meta = page_meta(request, title=_("Temporarily unavailable"), robots="noindex, nofollow")
    response = render_page(request, "cart/unavailable.html", {"meta": meta}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _act(request: ShopRequest, back: str, operation: Callable[[], CartResult]) -> HttpResponse:
    try:
        result = operation()
    except CartRefused as refused:
        return _answer(request, back, refused=refused.message)
    except CentraError as exc:
        status = 503 if isinstance(exc, CentraUnavailable) or exc.status_code is None else 502
        message = _("We could not reach your cart just now. Please try again in a moment.")
        return _answer(request, back, refused=message, status=status)
    return _answer(request, back, result=result)


def _answer(
    request: ShopRequest,
    back: str,
    *,
    result: CartResult | None = None,
    refused: str | None = None,
    status: int = 200,
) -> HttpResponse:
    notices = list(result.notices) if result else []
    if refused is not None:
        notices.append(Notice(ERROR, refused))
    if "application/json" in request.headers.get("Accept", ""):
        count = result.count if result else CentraSession(request.browser).item_count
        body = {
            "ok": refused is None,
            "count": count,
            "messages": [{"level": n.level, "text": n.text} for n in notices],
        }
        return JsonResponse(body, status=400 if refused and status == 200 else status)
    _tell(request, notices)
    return HttpResponseRedirect(back)


_LEVELS = {
    services.INFO: messages.SUCCESS,
    services.WARNING: messages.WARNING,
    ERROR: messages.ERROR,
}


def _tell(request: ShopRequest, notices: list[Notice] | tuple[Notice, ...]) -> None:
    for notice in notices:
        messages.add_message(request, _LEVELS.get(notice.level, messages.INFO), notice.text)
