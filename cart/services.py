"""The cart's operations: each reads or changes the shopper's Centra selection, keeps what the
session needs (token, item count, location) and says what happened in words for the shopper.

Budget: showing the cart is one call (``GET selection``); each change is one call, plus one
``PUT selection`` the first time, to put a new selection in the shopper's country, language and
market (a server-side caller must: Centra's GeoIP would see the server). A token Centra replaced
is adopted; when the replaced selection had items, they are gone (it expired), and the shopper
is told.

Nothing here renders: views turn :class:`CartResult` notices into messages and the cart into a
page. Every failure the shopper can act on is a :class:`CartRefused` with their message; Centra
being unreachable stays a :class:`centra.errors.CentraUnavailable` for the view to answer 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cart.models import PaymentAttempt
from cart.selection import Cart, cart_from, totals_from
from catalog.context import ShopperContext
from catalog.selectors import item_for_cart, item_labels
from centra import selection_api
from centra.client import CentraClient, CentraResponse
from centra.connection import get_client
from centra.errors import (
    CentraError,
    CentraNotFound,
    CentraStockError,
    CentraUnavailable,
    CentraValidationError,
)
from storefront.session import (
    BrowserState,
    CentraSession,
    SelectionChange,
    ShopperChoices,
    total_quantity,
)

logger = logging.getLogger(__name__)

# More of one item than any shopper means to buy; Centra's own limits apply on top.
MAX_QUANTITY: Final = 99
# Voucher codes longer than this are not codes.
MAX_VOUCHER_LENGTH: Final = 64

INFO: Final = "info"
WARNING: Final = "warning"

SelectionCall = Callable[[CentraClient, str], CentraResponse]


@dataclass(frozen=True, slots=True)
class Notice:
    level: str  # INFO or WARNING
    text: str


@dataclass(frozen=True, slots=True)
class CartResult:
    cart: Cart
    count: int
    notices: tuple[Notice, ...] = ()


class CartRefused(Exception):
    """The change was not made; ``message`` tells the shopper why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- reading ----------------------------------------------------------------------------------


def show_cart(
    browser: BrowserState, ctx: ShopperContext, client: CentraClient | None = None
) -> CartResult:
    """The shopper's cart: no call without a selection, one ``GET selection`` with one."""
    token = CentraSession(browser).token
    if token is None:
        return CartResult(empty_cart(), 0)
    client = client or get_client()
    return _settle(browser, ctx, client, selection_api.get_selection(client, token))


def empty_cart() -> Cart:
    return Cart((), totals_from({}), (), "", "", "")


# -- changing ---------------------------------------------------------------------------------


def add_to_cart(
    browser: BrowserState,
    ctx: ShopperContext,
    item_id: str,
    quantity: int,
    client: CentraClient | None = None,
) -> CartResult:
    """Add ``quantity`` of the item (a product's size) when the local catalog says the shopper
    may buy it here; Centra has the last word on stock."""
    item = item_for_cart(ctx, item_id)
    if item is None:
        raise CartRefused(_("That size is not sold here. Please choose another."))
    if item.card.price_text is None:
        raise CartRefused(
            _("%(name)s cannot be bought in your country.") % {"name": item.card.name}
        )
    if not item.in_stock:
        raise CartRefused(_("Sorry, %(name)s is sold out in that size.") % {"name": item.card.name})
    check_quantity(quantity, item.quantity_minimum, item.quantity_multiple_of)

    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.add_item(client, token, item_id, quantity)

    result = change_cart(browser, ctx, call, client=client)
    added = Notice(INFO, _("Added %(name)s to your cart.") % {"name": item.card.name})
    return CartResult(result.cart, result.count, (added, *result.notices))


def set_quantity(
    browser: BrowserState,
    ctx: ShopperContext,
    line: str,
    quantity: int,
    client: CentraClient | None = None,
) -> CartResult:
    """A line's new quantity; 0 removes it."""
    if quantity == 0:
        return remove_line(browser, ctx, line, client)
    check_quantity(quantity, 1, 1)

    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.set_line_quantity(client, token, line, quantity)

    return change_cart(browser, ctx, call, client=client)


def remove_line(
    browser: BrowserState, ctx: ShopperContext, line: str, client: CentraClient | None = None
) -> CartResult:
    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.remove_line(client, token, line)

    return change_cart(browser, ctx, call, client=client)


def change_size(
    browser: BrowserState,
    ctx: ShopperContext,
    line: str,
    item_id: str,
    quantity: int,
    client: CentraClient | None = None,
) -> CartResult:
    """Another size of the line's product, with the line's quantity: one call."""
    check_quantity(quantity, 1, 1)

    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.replace_line(client, token, line, item_id, quantity)

    return change_cart(browser, ctx, call, client=client)


def add_voucher(
    browser: BrowserState, ctx: ShopperContext, code: str, client: CentraClient | None = None
) -> CartResult:
    code = code.strip()
    if not code or len(code) > MAX_VOUCHER_LENGTH:
        raise CartRefused(_("Please enter a voucher code."))

    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.add_voucher(client, token, code)

    result = change_cart(browser, ctx, call, client=client, refused=_voucher_refused)
    applied = Notice(INFO, _("Voucher %(code)s applied.") % {"code": code})
    return CartResult(result.cart, result.count, (applied, *result.notices))


def remove_voucher(
    browser: BrowserState, ctx: ShopperContext, code: str, client: CentraClient | None = None
) -> CartResult:
    def call(client: CentraClient, token: str) -> CentraResponse:
        return selection_api.remove_voucher(client, token, code)

    return change_cart(browser, ctx, call, client=client, refused=_voucher_refused)


def check_quantity(quantity: int, minimum: int, multiple_of: int) -> None:
    if quantity < minimum:
        raise CartRefused(_("Please choose at least %(minimum)d.") % {"minimum": minimum})
    if quantity % multiple_of:
        raise CartRefused(
            _("This product is sold in multiples of %(multiple)d.") % {"multiple": multiple_of}
        )
    if quantity > MAX_QUANTITY:
        raise CartRefused(_("At most %(maximum)d of one item, please.") % {"maximum": MAX_QUANTITY})


def change_cart(
    browser: BrowserState,
    ctx: ShopperContext,
    call: SelectionCall,
    *,
    client: CentraClient | None = None,
    refused: Callable[[CentraError], str] | None = None,
) -> CartResult:
    """Run one change on the shopper's selection (making one first if there is none)."""
    client = client or get_client()
    centra = CentraSession(browser)
    token = centra.token
    if token is not None and payment_in_progress(token):
        raise CartRefused(_("Your payment is being confirmed. Your cart cannot change just now."))
    if token is None:
        token = _place(browser, ctx, client, None)
    try:
        response = call(client, token)
    except CentraStockError as exc:
        return _out_of_stock(browser, ctx, client, exc)
    except (CentraNotFound, CentraValidationError) as exc:
        if exc.token:
            centra.set_token(exc.token)
        raise CartRefused((refused or _refused)(exc)) from exc
    return _settle(browser, ctx, client, response)


def payment_in_progress(token: str) -> bool:
    """A return page is confirming this selection's payment: changing it now could make the
    order differ from what was paid (Centra's advice: block every change until it answers)."""
    return PaymentAttempt.objects.filter(
        token=token, status=PaymentAttempt.Status.PROCESSING
    ).exists()


# -- bookkeeping ------------------------------------------------------------------------------


def _place(
    browser: BrowserState, ctx: ShopperContext, client: CentraClient, token: str | None
) -> str:
    """Put the selection (a new one when ``token`` is None) in the shopper's country and
    language; the market and pricelist are Centra's choice for that country."""
    response = selection_api.place_selection(
        client, token, country=ctx.country, language=ctx.language
    )
    if not response.token:
        raise CentraUnavailable("Centra answered PUT selection without a token")
    remember_selection(browser, response, ctx)
    return response.token


def _settle(
    browser: BrowserState, ctx: ShopperContext, client: CentraClient, response: CentraResponse
) -> CartResult:
    """Keep what the answer says and build the cart; a selection Centra replaced (its token
    expired) is put back in the shopper's country first."""
    change = remember_selection(browser, response, ctx)
    notices: list[Notice] = []
    if change.token_replaced and response.token:
        response = selection_api.place_selection(
            client, response.token, country=ctx.country, language=ctx.language
        )
        remember_selection(browser, response, ctx)
        if change.count_before:
            notices.append(Notice(WARNING, _("Your cart had expired, so it started again empty.")))
    notices.extend(_unavailable_notices(response.data, ctx))
    cart = cart_from(response.data, ctx)
    return CartResult(cart, total_quantity(response.data), tuple(notices))


def remember_selection(
    browser: BrowserState, response: CentraResponse, ctx: ShopperContext
) -> SelectionChange:
    """Keep the answer's token, item count and location (the market and pricelist Centra
    chose) in the shopper's session."""
    change = CentraSession(browser).remember(response)
    location = selection_api.location_of(response)
    if location is not None:
        ShopperChoices(browser).remember_location(location, language=ctx.language)
    return change


def _out_of_stock(
    browser: BrowserState, ctx: ShopperContext, client: CentraClient, exc: CentraStockError
) -> CartResult:
    """410: what was asked for is gone. Centra corrected the selection; show it as it is now."""
    centra = CentraSession(browser)
    if exc.token:
        centra.set_token(exc.token)
    token = centra.token
    notices = _unavailable_notices(exc.body, ctx) or (
        Notice(WARNING, _("Sorry, that item just sold out.")),
    )
    if token is None:
        return CartResult(empty_cart(), 0, notices)
    settled = _settle(browser, ctx, client, selection_api.get_selection(client, token))
    return CartResult(settled.cart, settled.count, (*notices, *settled.notices))


def _unavailable_notices(answer: Mapping[str, Any], ctx: ShopperContext) -> tuple[Notice, ...]:
    """Centra's ``unavailable`` list: lines it reduced or removed for lack of stock."""
    entries = [e for e in answer.get("unavailable") or [] if isinstance(e, dict)]
    labels = item_labels(ctx, [str(e.get("item", "")) for e in entries]) if entries else {}
    notices = []
    for entry in entries:
        missing = entry.get("unavailable")
        count = missing if isinstance(missing, int) and missing > 0 else 1
        name = labels.get(str(entry.get("item", ""))) or _("an item")
        notices.append(
            Notice(
                WARNING,
                ngettext(
                    "%(count)d of %(name)s is no longer in stock and left your cart.",
                    "%(count)d of %(name)s are no longer in stock and left your cart.",
                    count,
                )
                % {"count": count, "name": name},
            )
        )
    return tuple(notices)


def _refused(exc: CentraError) -> str:
    if isinstance(exc, CentraNotFound):
        return _("That item is no longer in your cart or no longer sold.")
    return _("Your cart could not be changed: %(reason)s") % {"reason": _reason(exc)}


def _voucher_refused(exc: CentraError) -> str:
    if isinstance(exc, CentraNotFound):
        return _("That voucher code is not valid.")
    return _("That voucher cannot be used: %(reason)s") % {"reason": _reason(exc)}


def _reason(exc: CentraError) -> str:
    texts = [str(text) for text in (*exc.messages, *exc.errors.values()) if text]
    return "; ".join(texts)[:200] or _("please try again.")
