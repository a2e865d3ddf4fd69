"""The checkout page, the payment pages Centra's actions need, the return and failed pages the
payment provider sends the shopper back to, and the receipt.

Views read the request, call :mod:`cart.payment` or :mod:`cart.services`, and answer. Every page
is private (``never_cache``). The return and failed pages take GET and POST without a CSRF token:
the payment provider calls them, and what they receive is checked by Centra (``payment-result``),
not trusted here.
"""

from __future__ import annotations

import json
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cart import payment
from cart.checkout import (
    CheckoutForm,
    CheckoutPage,
    page_from,
    payment_fields_from,
    wants_account,
)
from cart.models import PaymentAttempt
from cart.payment_policy import policy_for
from cart.receipts import receipt_from
from cart.return_params import merge_parameters
from cart.services import CartRefused, remember_selection
from cart.views import cart_url, unavailable
from centra import selection_api
from centra.connection import get_client
from centra.errors import CentraError
from storefront.meta import page_meta
from storefront.pages import render_page
from storefront.session import CentraSession, CustomerLogin
from storefront.shopper import ShopRequest, shopper_ip

# The longest widget callback worth reading: its card fields and addresses.
MAX_WIDGET_BODY = 16 * 1024


@require_http_methods(["GET", "POST"])
@never_cache
def checkout(request: ShopRequest) -> HttpResponse:
    token = CentraSession(request.browser).token
    if token is None:
        messages.info(request, _("Your cart is empty."))
        return HttpResponseRedirect(cart_url(request))
    try:
        page = _page(request, token)
    except CentraError:
        return unavailable(request)
    if page.cart.empty:
        messages.info(request, _("Your cart is empty."))
        return HttpResponseRedirect(cart_url(request))
    if request.method == "GET":
        return _render_checkout(request, page, CheckoutForm(page))
    form = CheckoutForm(page, request.POST)
    if request.POST.get("action") == "update":
        return _update(request, page, form, token)
    if not form.is_valid():
        return _render_checkout(request, page, form, status=400)
    try:
        outcome = payment.start(
            request.browser,
            request.shopper,
            page,
            form.cleaned_data,
            pages_for=lambda attempt: _pages(request, attempt),
            ip_address=shopper_ip(request),
        )
    except CartRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(cart_url(request))
    except CentraError:
        return unavailable(request)
    if outcome.kind == payment.INVALID:
        form.add_centra_errors(outcome.errors)
        for text in outcome.messages:
            form.add_error(None, text)
        return _render_checkout(request, _page(request, token), form, status=400)
    if wants_account(form.cleaned_data):
        # Centra registered the shopper and logged the session in with the payment.
        CustomerLogin(request.browser).sign_in(form.cleaned_data.get("address.firstName") or "")
        request.session.cycle_key()
    return _follow(request, outcome)


@require_POST
@never_cache
def save_fields(request: ShopRequest) -> HttpResponse:
    """What the shopper typed so far, kept in Centra as they go (the checkout's script posts
    here on change): a returning shopper, or Centra's cart recovery, finds it filled in."""
    token = CentraSession(request.browser).token
    if token is None:
        return JsonResponse({"ok": False}, status=409)
    try:
        page = _page(request, token, remember=False)
        form = CheckoutForm(page, request.POST)
        form.is_valid()  # keep whatever is valid; errors are for the pay button
        selection_api.save_payment_fields(
            get_client(), token, payment_fields_from(form.cleaned_data)
        )
    except CentraError:
        return JsonResponse({"ok": False}, status=503)
    return JsonResponse({"ok": True})


@require_safe
@never_cache
def payment_page(request: ShopRequest, attempt_id: UUID) -> HttpResponse:
    """Centra's ``form`` or ``javascript`` action as a page of ours, with a content security
    policy that lets exactly that markup and code run."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.status != PaymentAttempt.Status.STARTED or not attempt.action:
        return _follow(request, payment.settled(attempt))
    action = attempt.action
    html = action.get("formHtml", "") if action.get("action") == "form" else ""
    code = action.get("code", "") if action.get("action") == "javascript" else ""
    if "</script" in code.lower():
        raise Http404("a payment step that cannot be embedded")
    context = {
        "attempt": attempt,
        "form_html": mark_safe(html),  # noqa: S308 (Centra's payment markup: run as is)
        "code": mark_safe(code),  # noqa: S308 (Centra's payment step, hashed into the policy)
        "form_fields": json.dumps(action.get("formFields") or {}),
        "widget_url": request.shopper.url(reverse("payment-widget", args=[attempt.id])),
        "meta": page_meta(request, title=_("Payment"), robots="noindex, nofollow"),
    }
    response = render_page(request, "cart/payment.html", context)
    response["Content-Security-Policy"] = policy_for(html, (code,) if code else ())
    return response


@require_POST
@never_cache
def widget_callback(request: ShopRequest, attempt_id: UUID) -> JsonResponse:
    """A payment widget's ``centra_checkout_payment_callback``, forwarded by our script."""
    attempt = _own_attempt(request, attempt_id)
    if len(request.body) > MAX_WIDGET_BODY:
        return JsonResponse({"ok": False}, status=413)
    try:
        detail = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"ok": False}, status=400)
    if not isinstance(detail, dict):
        return JsonResponse({"ok": False}, status=400)
    try:
        outcome = payment.continue_widget(
            request.browser,
            attempt,
            detail,
            pages=_pages(request, attempt),
            ip_address=shopper_ip(request),
        )
    except CentraError:
        return JsonResponse({"ok": False, "next": _failed_url(request, attempt)}, status=503)
    action = outcome.attempt.action if outcome.attempt is not None else {}
    return JsonResponse(
        {
            "ok": True,
            "next": _next_url(request, outcome),
            # For widgets that wait for Centra's answer on their own page (Adyen's 3-D Secure):
            # the script hands them formFields as centra_checkout_payment_response.
            "action": action.get("action", ""),
            "formFields": action.get("formFields") or {},
        }
    )


@csrf_exempt  # the payment provider calls it; Centra checks what it carries
@require_http_methods(["GET", "POST"])
@never_cache
def payment_return(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    attempt = get_object_or_404(PaymentAttempt, pk=attempt_id)
    params = merge_parameters(_pairs(request.GET), _pairs(request.POST))
    try:
        outcome = payment.finish(attempt, params)
    except CentraError:
        return _pending(request, attempt, status=503)
    return _follow(request, outcome)


@csrf_exempt  # the payment provider calls it
@require_http_methods(["GET", "POST"])
@never_cache
def payment_failed(request: HttpRequest, attempt_id: UUID) -> HttpResponse:
    attempt = get_object_or_404(PaymentAttempt, pk=attempt_id)
    outcome = payment.fail_from_provider(attempt)
    if outcome.kind != payment.FAILED:
        return _follow(request, outcome)
    shop_request = _shop(request)
    meta = page_meta(shop_request, title=_("Payment not completed"), robots="noindex, nofollow")
    context = {
        "reason": attempt.error,
        "checkout_url": shop_request.shopper.url(reverse("checkout")),
        "meta": meta,
    }
    return render_page(shop_request, "cart/payment_failed.html", context)


@require_safe
@never_cache
def receipt(request: ShopRequest, attempt_id: UUID) -> HttpResponse:
    """The order, for the browser that paid for it only: anyone else gets a 404."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.status != PaymentAttempt.Status.COMPLETED:
        return _follow(request, payment.settled(attempt))
    centra = CentraSession(request.browser)
    if centra.token == attempt.token:
        centra.forget_selection()  # the selection is an order now: the next cart is new
    context = {
        "receipt": receipt_from(attempt.order, request.shopper),
        "meta": page_meta(request, title=_("Thank you for your order"), robots="noindex, nofollow"),
    }
    return render_page(request, "cart/receipt.html", context)


# -- helpers ----------------------------------------------------------------------------------


def _page(request: ShopRequest, token: str, *, remember: bool = True) -> CheckoutPage:
    response = selection_api.get_selection(get_client(), token)
    if remember:
        remember_selection(request.browser, response, request.shopper)
    return page_from(response.data, request.shopper)


def _update(
    request: ShopRequest, page: CheckoutPage, form: CheckoutForm, token: str
) -> HttpResponse:
    """The no-JavaScript "Update" button: apply the chosen country, state, delivery and the
    VIP market, keep what was typed (in Centra too), and show the new totals."""
    form.is_valid()
    try:
        payment.prepare(
            request.browser,
            request.shopper,
            page,
            form.cleaned_data,
            client=get_client(),
            token=token,
        )
        fields = payment_fields_from(form.cleaned_data)
        selection_api.save_payment_fields(get_client(), token, fields)
        fresh = _page(request, token)
    except CentraError:
        return unavailable(request)
    # The form as typed, without the errors a half-filled form has before "Pay".
    kept = CheckoutForm(fresh, initial={**form.initial, **_typed(request)})
    return _render_checkout(request, fresh, kept)


def _typed(request: HttpRequest) -> dict[str, Any]:
    return {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}


def _render_checkout(
    request: ShopRequest, page: CheckoutPage, form: CheckoutForm, status: int = 200
) -> HttpResponse:
    context = {
        "page": page,
        "form": form,
        "fields_url": request.shopper.url(reverse("checkout-fields")),
        "meta": page_meta(request, title=_("Checkout"), robots="noindex, nofollow"),
    }
    return render_page(request, "cart/checkout.html", context, status=status)


def _pages(request: HttpRequest, attempt: PaymentAttempt) -> payment.Pages:
    shop = _shop(request)
    return payment.Pages(
        return_url=request.build_absolute_uri(
            shop.shopper.url(reverse("payment-return", args=[attempt.id]))
        ),
        failed_url=request.build_absolute_uri(_failed_url(request, attempt)),
    )


def _failed_url(request: HttpRequest, attempt: PaymentAttempt) -> str:
    return _shop(request).shopper.url(reverse("payment-failed", args=[attempt.id]))


def _next_url(request: HttpRequest, outcome: payment.Outcome) -> str:
    shop = _shop(request)
    attempt = outcome.attempt
    if outcome.kind == payment.REDIRECT:
        return outcome.url
    if attempt is None:
        return cart_url(shop)
    if outcome.kind == payment.RECEIPT:
        return shop.shopper.url(reverse("receipt", args=[attempt.id]))
    if outcome.kind == payment.PAGE:
        return shop.shopper.url(reverse("payment-page", args=[attempt.id]))
    if outcome.kind == payment.PENDING:
        return shop.shopper.url(reverse("payment-return", args=[attempt.id]))
    return _failed_url(request, attempt)


def _follow(request: HttpRequest, outcome: payment.Outcome) -> HttpResponse:
    if outcome.kind == payment.PENDING and outcome.attempt is not None:
        return _pending(request, outcome.attempt)
    if outcome.kind == payment.FAILED and outcome.attempt is None:
        for text in outcome.messages:
            messages.error(request, text)
    return HttpResponseRedirect(_next_url(request, outcome))


def _pending(request: HttpRequest, attempt: PaymentAttempt, status: int = 200) -> HttpResponse:
    """Another request is confirming this payment (or Centra did not answer): this page looks
    again by itself in a moment, without JavaScript."""
    shop = _shop(request)
    context = {
        "meta": page_meta(shop, title=_("Confirming your payment"), robots="noindex, nofollow"),
        "again_url": request.get_full_path(),
    }
    response = render_page(shop, "cart/payment_pending.html", context, status=status)
    response["Retry-After"] = "2"
    return response


def _own_attempt(request: ShopRequest, attempt_id: UUID) -> PaymentAttempt:
    """The payment, when this browser started it; a 404 for anyone else."""
    if str(attempt_id) not in CentraSession(request.browser).payments:
        raise Http404("no such payment here")
    return get_object_or_404(PaymentAttempt, pk=attempt_id)


def _shop(request: HttpRequest) -> ShopRequest:
    """The provider's return and failed pages are plain requests to Django; the shopper
    context middleware ran on them all the same."""
    return cast(ShopRequest, request)


def _pairs(params: QueryDict) -> list[tuple[str, str]]:
    return [(name, value) for name, values in params.lists() for value in values]
