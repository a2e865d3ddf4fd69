"""Paying for a selection: ``POST payment``, Centra's action, the return page's
``POST payment-result``, and the order, exactly once (``docs/centra.md#payment``).

Every payment gets a :class:`cart.models.PaymentAttempt`. Its id is in the return and failed
URLs given to Centra, so the return page finds the selection even when the provider posts back
without the shopper's cookies; and it is in the shopper's session, so only that browser sees the
receipt.

Exactly one order per payment, however often the return page is hit (a refresh, two tabs, a
double click, the provider posting and the browser arriving): the attempt goes from ``started``
to ``processing`` in one conditional UPDATE, and only the request that made that change calls
``payment-result``. Every other hit reads the outcome that request stored: the same receipt, the
same failure, or "being confirmed" while it runs. If Centra could not be reached, the attempt goes
back to ``started`` and the next hit asks again (Centra answers a repeated ``payment-result``
with the same order, never a second one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from cart import vip
from cart.checkout import (
    ADDRESS,
    PAYMENT_METHOD,
    SHIPPING,
    SHIPPING_METHOD,
    CheckoutPage,
    payment_fields_from,
)
from cart.models import PaymentAttempt
from cart.order_events import record_completed_order
from cart.services import CartRefused, payment_in_progress, remember_selection
from catalog.context import ShopperContext
from centra import selection_api
from centra.client import CentraClient, CentraResponse
from centra.connection import get_client
from centra.errors import CentraError, CentraStockError, CentraUnavailable
from centra.readers import obj
from storefront.session import BrowserState, CentraSession, ShopperChoices

logger = logging.getLogger(__name__)

Status = PaymentAttempt.Status

REDIRECT: Final = "redirect"  # go to ``url``
PAGE: Final = "page"  # show the attempt's stored action (a form or a javascript step)
RECEIPT: Final = "receipt"  # the order is complete
FAILED: Final = "failed"  # the payment did not go through: back to the checkout
INVALID: Final = "invalid"  # Centra refused the checkout's fields: show them again
PENDING: Final = "pending"  # another request is confirming this payment right now


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    attempt: PaymentAttempt | None = None
    url: str = ""
    errors: Mapping[str, Any] = field(default_factory=dict)  # Centra's field errors
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pages:
    """Where Centra sends the shopper back (absolute URLs, built from the request)."""

    return_url: str
    failed_url: str


# -- starting ---------------------------------------------------------------------------------


def start(
    browser: BrowserState,
    ctx: ShopperContext,
    page: CheckoutPage,
    data: Mapping[str, Any],
    *,
    pages_for: Any,  # Callable[[PaymentAttempt], Pages]
    ip_address: str,
    client: CentraClient | None = None,
) -> Outcome:
    """``POST payment`` for the checkout form's cleaned ``data``: the shipping method and a
    VIP market go to Centra first when they changed, then the payment with the addresses."""
    client = client or get_client()
    token = _token_for_payment(browser)
    prepare(browser, ctx, page, data, client=client, token=token)
    attempt = PaymentAttempt.objects.create(token=token, payment_method=data[PAYMENT_METHOD])
    CentraSession(browser).add_payment(str(attempt.id))
    back = pages_for(attempt)
    body: dict[str, Any] = {
        "paymentMethod": data[PAYMENT_METHOD],
        "paymentReturnPage": back.return_url,
        "paymentFailedPage": back.failed_url,
        "termsAndConditions": bool(data.get("termsAndConditions")),
        **payment_fields_from(data, register=True),
    }
    return _pay(browser, attempt, body, ip_address, client)


def prepare(
    browser: BrowserState,
    ctx: ShopperContext,
    page: CheckoutPage,
    data: Mapping[str, Any],
    *,
    client: CentraClient,
    token: str,
) -> None:
    """What must be true of the selection before it is paid or its totals shown: the shipping
    method chosen, the destination country and state, and the VIP market the email earns."""
    fields = payment_fields_from(data)
    destination = fields.get(SHIPPING) or fields[ADDRESS]
    country, state = destination.get("country") or None, destination.get("state") or None
    if country and (country, state) != (page.country, page.state):
        if state:
            response = selection_api.set_country_state(client, token, country, state)
        else:
            response = selection_api.set_country(client, token, country, language=ctx.language)
        remember_selection(browser, response, ctx)
    method = data.get(SHIPPING_METHOD)
    if method and method != page.shipping_method:
        remember_selection(browser, selection_api.set_shipping_method(client, token, method), ctx)
    placement = vip.placement_for(fields[ADDRESS].get("email") or "")
    current = ShopperChoices(browser).centra_location or (ctx.market, ctx.pricelist)
    wanted = (placement.market, placement.pricelist or current[1]) if placement else None
    if (wanted and wanted != current) or (not wanted and current[0] in vip.vip_markets()):
        # Into the VIP market, or back out of it into the country's own (Centra's choice).
        response = selection_api.place_selection(
            client,
            token,
            country=country or ctx.country,
            language=ctx.language,
            market=placement.market if placement else None,
            pricelist=placement.pricelist if placement else None,
        )
        remember_selection(browser, response, ctx)


def continue_widget(
    browser: BrowserState,
    attempt: PaymentAttempt,
    detail: Mapping[str, Any],
    *,
    pages: Pages,
    ip_address: str,
    client: CentraClient | None = None,
) -> Outcome:
    """A widget's ``centra_checkout_payment_callback``: the second ``POST payment``, with the
    widget's ``paymentMethodSpecificFields`` and the addresses Centra keeps for the selection
    (the first ``POST payment`` stored them)."""
    client = client or get_client()
    if attempt.status != Status.STARTED:
        return settled(attempt)
    selection = selection_api.get_selection(client, attempt.token).data.get("selection") or {}
    body: dict[str, Any] = {
        "paymentMethod": attempt.payment_method,
        "paymentMethodSpecificFields": obj(detail.get("paymentMethodSpecificFields")),
        "paymentReturnPage": pages.return_url,
        "paymentFailedPage": pages.failed_url,
        "termsAndConditions": True,  # accepted on the checkout form before the widget showed
        "address": _address(selection.get("address")),
    }
    shipping = _address(selection.get("shippingAddress"))
    if shipping.get("address1"):
        body["shippingAddress"] = shipping
    return _pay(browser, attempt, body, ip_address, client)


def _pay(
    browser: BrowserState,
    attempt: PaymentAttempt,
    body: dict[str, Any],
    ip_address: str,
    client: CentraClient,
) -> Outcome:
    if ip_address:
        body = {**body, "ipAddress": ip_address}
    try:
        response = selection_api.start_payment(client, attempt.token, body)
    except CentraStockError as exc:
        _keep_token(browser, exc)
        return _fail(attempt, _stock_message(exc))
    except CentraUnavailable:
        _fail(attempt, _("The payment could not be started. Please try again."))
        raise
    except CentraError as exc:
        _keep_token(browser, exc)
        _fail(attempt, "; ".join(exc.messages))
        return Outcome(INVALID, attempt, errors=exc.errors, messages=tuple(exc.messages))
    if response.token:
        CentraSession(browser).set_token(response.token)
    return act_on(attempt, response)


def act_on(attempt: PaymentAttempt, response: CentraResponse) -> Outcome:
    """Centra's answer to ``POST payment``: where the shopper goes next."""
    answer = response.data
    action = answer.get("action")
    if action == "redirect" and _is_web_url(answer.get("url")):
        return Outcome(REDIRECT, attempt, url=answer["url"])
    if action == "form" and isinstance(answer.get("formHtml"), str):
        _store_action(attempt, {"action": "form", "formHtml": answer["formHtml"]})
        return Outcome(PAGE, attempt)
    if action == "javascript" and isinstance(answer.get("code"), str):
        stored = {"action": "javascript", "code": answer["code"]}
        stored["formFields"] = obj(answer.get("formFields"))
        _store_action(attempt, stored)
        return Outcome(PAGE, attempt)
    if action == "success" and isinstance(answer.get("order"), dict):
        complete(attempt, answer["order"], answer.get("location"))
        return Outcome(RECEIPT, attempt)
    logger.warning("Centra answered POST payment with an unknown action %r", action)
    return _fail(attempt, _("This payment method cannot be used just now. Please choose another."))


# -- the return page --------------------------------------------------------------------------


def finish(
    attempt: PaymentAttempt, params: dict[str, Any], client: CentraClient | None = None
) -> Outcome:
    """The return page: ``POST payment-result`` with what it received, once."""
    # A hit after Centra missed one (a refresh is a GET: a posted form's fields are not in
    # it) still sends everything the provider sent.
    params = {**attempt.return_params, **params}
    claimed = PaymentAttempt.objects.filter(pk=attempt.pk, status=Status.STARTED).update(
        status=Status.PROCESSING, return_params=params
    )
    if not claimed:
        attempt.refresh_from_db()
        return settled(attempt)
    client = client or get_client()
    try:
        response = selection_api.payment_result(client, attempt.token, params)
    except CentraStockError as exc:
        return _fail(attempt, _stock_message(exc))
    except CentraUnavailable:
        # Not known whether Centra took it: the next hit asks again, which is safe.
        PaymentAttempt.objects.filter(pk=attempt.pk).update(status=Status.STARTED)
        raise
    except CentraError as exc:
        return _fail(attempt, "; ".join(exc.messages) or _("The payment was not accepted."))
    answer = response.data
    if answer.get("action") == "redirect" and _is_web_url(answer.get("url")):
        # The provider asks the shopper to choose again (PayPal's "try another card").
        PaymentAttempt.objects.filter(pk=attempt.pk).update(status=Status.STARTED)
        return Outcome(REDIRECT, attempt, url=answer["url"])
    if not isinstance(answer.get("order"), dict):
        return _fail(attempt, _("The payment was not accepted."))
    complete(attempt, answer["order"], answer.get("location"))
    return Outcome(RECEIPT, attempt)


def fail_from_provider(attempt: PaymentAttempt) -> Outcome:
    """The failed page: the provider says the payment did not go through."""
    if PaymentAttempt.objects.filter(pk=attempt.pk, status=Status.STARTED).update(
        status=Status.FAILED,
        error=_("The payment was cancelled or declined. Nothing was charged."),
    ):
        attempt.refresh_from_db()
        return Outcome(FAILED, attempt, messages=(attempt.error,))
    attempt.refresh_from_db()
    return settled(attempt)


def complete(attempt: PaymentAttempt, order: dict[str, Any], location: Any = None) -> None:
    """The order exists: keep it for the receipt and tell whoever listens (order events), in
    one transaction, so an order is recorded and announced together or not at all."""
    number = str(order.get("order") or "")[:64]
    with transaction.atomic():
        PaymentAttempt.objects.filter(pk=attempt.pk).update(
            status=Status.COMPLETED, order=order, order_number=number, action={}, return_params={}
        )
        record_completed_order(order, location=location if isinstance(location, dict) else None)
    attempt.status, attempt.order, attempt.order_number = Status.COMPLETED, order, number


def settled(attempt: PaymentAttempt) -> Outcome:
    """Where a payment that is no longer waiting for its provider leads."""
    if attempt.status == Status.COMPLETED:
        return Outcome(RECEIPT, attempt)
    if attempt.status == Status.FAILED:
        return Outcome(FAILED, attempt, messages=(attempt.error,) if attempt.error else ())
    if attempt.status == Status.PROCESSING:
        return Outcome(PENDING, attempt)
    return Outcome(PAGE, attempt)


# -- helpers ----------------------------------------------------------------------------------


def _token_for_payment(browser: BrowserState) -> str:
    token = CentraSession(browser).token
    if token is None:
        raise CartRefused(_("Your cart is empty."))
    if payment_in_progress(token):
        raise CartRefused(_("Your payment is being confirmed. Please wait a moment."))
    return token


def _fail(attempt: PaymentAttempt, message: str) -> Outcome:
    message = message or _("The payment was not accepted.")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        status=Status.FAILED, error=message, return_params={}
    )
    attempt.status, attempt.error = Status.FAILED, message
    return Outcome(FAILED, attempt, messages=(message,))


def _store_action(attempt: PaymentAttempt, action: dict[str, Any]) -> None:
    PaymentAttempt.objects.filter(pk=attempt.pk).update(action=action)
    attempt.action = action


def _keep_token(browser: BrowserState, exc: CentraError) -> None:
    if exc.token:
        CentraSession(browser).set_token(exc.token)


def _stock_message(exc: CentraStockError) -> str:
    count = len(exc.unavailable) or 1
    return _(
        "Some items sold out while you paid and left your cart (%(count)d). Nothing was charged."
    ) % {"count": count}


def _is_web_url(url: Any) -> bool:
    """An absolute http(s) URL, or a path on this site (the embedded sandbox's pages)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _address(value: Any) -> dict[str, Any]:
    return {k: v for k, v in obj(value).items() if isinstance(v, str | bool)}
