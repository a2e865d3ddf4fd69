"""Centra's selection (``docs/centra.md#selection``) as the cart and checkout pages show it.

Plain frozen dataclasses built from the JSON of a selection answer: prices are Centra's own
formatted strings (its pricelist decides how money reads; :mod:`catalog.money` formats the
number by the selection's ``currencyFormat`` when a string is missing), and everything a
template prints is chosen here. Fields Centra leaves out or sends in another shape read as
empty, never as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalog.cards import product_path
from catalog.context import ShopperContext
from catalog.money import money_field
from catalog.stock import is_available
from centra.readers import obj, objs, text


@dataclass(frozen=True, slots=True)
class SizeChoice:
    item: str
    name: str
    available: bool


@dataclass(frozen=True, slots=True)
class CartLine:
    line: str  # Centra's line id: what quantity, size and removal act on
    item: str
    product_id: str
    name: str
    variant: str  # the colour ("Brown")
    size: str
    image_url: str | None
    url: str  # the product page, in the shopper's language
    quantity: int
    price_each: str
    price_each_before_discount: str | None  # only when the line is discounted
    total: str
    sizes: tuple[SizeChoice, ...]  # the product's sizes, for "change size"
    quantity_minimum: int
    quantity_multiple_of: int

    @property
    def can_decrease(self) -> bool:
        return self.quantity - self.quantity_multiple_of >= self.quantity_minimum

    @property
    def decreased(self) -> int:
        return self.quantity - self.quantity_multiple_of

    @property
    def increased(self) -> int:
        return self.quantity + self.quantity_multiple_of


@dataclass(frozen=True, slots=True)
class Voucher:
    code: str
    description: str
    price_off: str


@dataclass(frozen=True, slots=True)
class Totals:
    items: str
    discount: str | None  # None: no discount
    shipping: str
    handling: str | None  # None: no handling cost
    tax_added: str | None  # tax-exclusive markets: the tax on top
    tax_included: str | None  # tax-inclusive markets: the tax within the grand total
    tax_deducted: str | None  # VAT-exempt orders
    grand_total: str
    grand_total_amount: float
    quantity: int


@dataclass(frozen=True, slots=True)
class Cart:
    lines: tuple[CartLine, ...]
    totals: Totals
    vouchers: tuple[Voucher, ...]
    currency: str
    shipping_method_name: str
    payment_method_name: str

    @property
    def empty(self) -> bool:
        return not self.lines


def cart_from(answer: Mapping[str, Any], ctx: ShopperContext) -> Cart:
    """The cart of a selection answer (or of an order: its lines and totals read the same)."""
    selection = obj(answer.get("selection") or answer.get("order"))
    discounts = obj(selection.get("discounts"))
    money = obj(selection.get("currencyFormat")) or ctx.currency_format
    return Cart(
        lines=tuple(_line(item, ctx, money) for item in objs(selection.get("items"))),
        totals=totals_from(obj(selection.get("totals")), money),
        vouchers=tuple(_voucher(v, money) for v in objs(discounts.get("vouchers"))),
        currency=text(selection.get("currency")),
        shipping_method_name=text(selection.get("shippingMethodName")),
        payment_method_name=text(selection.get("paymentMethodName")),
    )


def totals_from(totals: Mapping[str, Any], money: Mapping[str, Any] | None = None) -> Totals:
    """``money``: the selection's ``currencyFormat``."""
    money = money or {}
    amount = totals.get("grandTotalPriceAsNumber")
    quantity = totals.get("totalQuantity")
    tax_added = _money(totals, "taxAdded", money)
    return Totals(
        items=money_field(totals, "itemsTotalPrice", money),
        discount=_money(totals, "totalDiscountPrice", money),
        shipping=money_field(totals, "shippingPrice", money),
        handling=_money(totals, "handlingCostPrice", money),
        tax_added=tax_added,
        tax_included=None if tax_added else _money(totals, "grandTotalPriceTax", money),
        tax_deducted=_money(totals, "taxDeducted", money),
        grand_total=money_field(totals, "grandTotalPrice", money),
        grand_total_amount=float(amount) if isinstance(amount, int | float) else 0.0,
        quantity=quantity if isinstance(quantity, int) else 0,
    )


def _line(item: Mapping[str, Any], ctx: ShopperContext, money: Mapping[str, Any]) -> CartLine:
    product = obj(item.get("product"))
    media = obj(product.get("media"))
    images = [url for url in media.get("standard") or [] if isinstance(url, str)]
    quantity = item.get("quantity")
    discounted = item.get("anyDiscount") is True
    return CartLine(
        line=text(item.get("line")),
        item=text(item.get("item")),
        product_id=text(product.get("product")),
        name=text(product.get("name")) or text(item.get("productName")),
        variant=text(product.get("variantName")),
        size=text(item.get("localizedSize")) or text(item.get("size")),
        image_url=images[0] if images else None,
        url=ctx.url(
            product_path(text(product.get("categoryUri")) or None, text(product.get("uri")))
        ),
        quantity=quantity if isinstance(quantity, int) else 0,
        price_each=money_field(item, "priceEach", money),
        price_each_before_discount=(
            money_field(item, "priceEachBeforeDiscount", money) if discounted else None
        ),
        total=money_field(item, "totalPrice", money),
        sizes=tuple(
            SizeChoice(
                text(size.get("item")), text(size.get("name")), is_available(size.get("stock"))
            )
            for size in objs(product.get("items"))
        ),
        quantity_minimum=_positive(product.get("itemQuantityMinimum")),
        quantity_multiple_of=_positive(product.get("itemQuantityMultipleOf")),
    )


def _voucher(voucher: Mapping[str, Any], money: Mapping[str, Any]) -> Voucher:
    return Voucher(
        code=text(voucher.get("voucher")),
        description=text(voucher.get("description")),
        price_off=money_field(voucher, "priceOff", money),
    )


def _money(totals: Mapping[str, Any], key: str, money: Mapping[str, Any]) -> str | None:
    """A total that Centra sends as ``false`` (or zero) when there is none."""
    text, number = totals.get(key), totals.get(f"{key}AsNumber")
    if text is False or number is False:
        return None
    if isinstance(number, int | float) and not isinstance(number, bool) and number == 0:
        return None
    return money_field(totals, key, money) or None


def _positive(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
