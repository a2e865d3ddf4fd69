"""The selection (Centra's cart): loading, pricing, totals, the SelectionResponse envelope, and the
changes every selection route shares. The routes themselves are in ``centra_sandbox.selection``
(cart, location, vouchers, methods, payment fields) and ``centra_sandbox.payment``.

Modules, each importable on its own; this package re-exports their public names:

- ``records``: the stored rows (load a selection, its line rows, a fresh one after an order);
- ``place``: where a selection shops (``Place``: country, state, market, pricelist, currency,
  language, tax);
- ``lines``: items priced for a place (``Offer``), lines, adding/setting/merging quantities;
- ``stock``: stock caps, ``unavailable`` entries and the cut at checkout;
- ``location``: country, state, language, market and pricelist changes;
- ``methods``: shipping and payment methods offered and in effect;
- ``vouchers``: voucher codes and how they are applied;
- ``checkout_fields``: address and checkout field validation and the ``paymentFields`` config;
- ``pricing``: ``Priced``, everything the envelope and the order need, computed once;
- ``selection_json``: the Selection object (items, discounts, totals, addresses);
- ``envelope``: the SelectionResponse envelope and the context every envelope shares.

Decisions where Centra's documentation leaves room (the storefront can rely on them):

- Prices are read live from the selection's pricelist, so a change of country, market or pricelist
  re-prices every line at once. Lines whose product is inactive, not in the selection's market or
  without a price in its pricelist are never shown or counted, and are deleted when the location
  changes and before payment (``drop_unsellable_lines``).
- An item that is unknown, inactive or not in the market answers 404
  ``{"item": "product item not found"}``; an item with no price in the pricelist answers 406
  ``{"item": "not purchasable"}``. Quantities in paths are integers from 1 to ``MAX_LINE_QUANTITY``
  (``PUT lines/{line}/quantity/0`` removes the line); anything else is 400 ``errors.quantity``.
- Stock (Centra's "aggressive" overselling prevention,
  https://docs.centra.com/fe-development/overselling-prevention): a call that asks for more than
  ``items.stock`` on one line is capped at the stock and answers 200 with ``unavailable``
  (partial shortage). When nothing of the requested increase can be added (stock 0, or the line
  already holds all the stock) it answers 410 ``{"errors": {"stock": "unavailable items"},
  "unavailable": [...]}`` and the selection is unchanged. Decreases never check stock.
  ``unavailable`` entries are ``{item, product, originalQuantity, unavailable, available}`` with
  ``originalQuantity`` the line quantity asked for and ``available`` the stock.
- Vouchers: ``percent`` takes that share of the items total, ``fixed`` takes its value in the
  selection's currency; together they never exceed the items total. They show at order level
  (``totals.totalDiscountPrice``, negative, ``false`` when there is none) and, split over the lines
  in proportion to their totals, in each item's ``discounts.vouchers`` (``hasAffectedItemPrice``
  false). ``discounts.discount`` is the same negative sum.
- Tax: the country's ``tax_percent`` (a state's own percent when it has one). Tax-included
  countries carry the tax inside prices (``grandTotalPriceTax`` is the included part,
  ``taxAdded: false``); tax-exclusive ones (the US) add ``taxAdded`` on items after discount plus
  shipping plus handling. ``taxDeducted`` is always ``false`` (no VAT-exempt orders).
- Shipping: the methods with a rate for the selection's country and pricelist, in the methods'
  order; none for a not-shippable country. The chosen method is kept while it is
  offered, otherwise the first one is used. Payment: the chosen method, else the first one.
- ``location.language`` is the selection's language as a Language object (the top-level
  ``language`` object was dropped in v2.69). A selection with no country has ``country: null``,
  ``name: ""``, ``shipTo: false``, tax 0.
"""

from centra_sandbox.selections.checkout_fields import (
    ADDRESS_FIELDS,
    INPUT_ONLY_ADDRESS_FIELDS,
    INPUT_ONLY_SHIPPING_FIELDS,
    MAX_CONSENTS,
    MAX_FIELD_LENGTH,
    MAX_NOTES_LENGTH,
    REQUIRED_ADDRESS_FIELDS,
    SHIPPING_ADDRESS_FIELDS,
    clean_payment_fields,
    payment_fields,
)
from centra_sandbox.selections.envelope import (
    context_json,
    location_json,
    logged_in_json,
    payment_methods_json,
    selection_response,
    session_customer,
    shipping_methods_json,
)
from centra_sandbox.selections.lines import (
    MAX_LINE_QUANTITY,
    Line,
    Offer,
    add_item,
    drop_unsellable_lines,
    find_line,
    merge_lines,
    offer_for,
    parse_quantity,
    priced_lines,
    quantity_rule,
    set_line_quantity,
)
from centra_sandbox.selections.location import (
    country_defaults,
    find_country,
    find_language,
    find_state,
    move_to_country,
    refresh_after_move,
    relocate,
)
from centra_sandbox.selections.methods import (
    ShippingOption,
    effective_payment_method,
    effective_shipping,
    find_payment_method,
    payment_methods,
    shipping_options,
)
from centra_sandbox.selections.place import ZERO, Place, dec, place_of
from centra_sandbox.selections.pricing import Priced, price_selection
from centra_sandbox.selections.records import fresh_selection, load_selection, raw_lines
from centra_sandbox.selections.selection_json import (
    address_json,
    discounts_json,
    item_json,
    selection_json,
    totals_json,
)
from centra_sandbox.selections.stock import shortages_at_checkout, stock_capped, unavailable_entry
from centra_sandbox.selections.vouchers import (
    VoucherUse,
    apply_vouchers,
    find_voucher,
    voucher_codes,
)

__all__ = [
    "ADDRESS_FIELDS",
    "INPUT_ONLY_ADDRESS_FIELDS",
    "INPUT_ONLY_SHIPPING_FIELDS",
    "MAX_CONSENTS",
    "MAX_FIELD_LENGTH",
    "MAX_LINE_QUANTITY",
    "MAX_NOTES_LENGTH",
    "REQUIRED_ADDRESS_FIELDS",
    "SHIPPING_ADDRESS_FIELDS",
    "ZERO",
    "Line",
    "Offer",
    "Place",
    "Priced",
    "ShippingOption",
    "VoucherUse",
    "add_item",
    "address_json",
    "apply_vouchers",
    "clean_payment_fields",
    "context_json",
    "country_defaults",
    "dec",
    "discounts_json",
    "drop_unsellable_lines",
    "effective_payment_method",
    "effective_shipping",
    "find_country",
    "find_language",
    "find_line",
    "find_payment_method",
    "find_state",
    "find_voucher",
    "fresh_selection",
    "item_json",
    "load_selection",
    "location_json",
    "logged_in_json",
    "merge_lines",
    "move_to_country",
    "offer_for",
    "parse_quantity",
    "payment_fields",
    "payment_methods",
    "payment_methods_json",
    "place_of",
    "price_selection",
    "priced_lines",
    "quantity_rule",
    "raw_lines",
    "refresh_after_move",
    "relocate",
    "selection_json",
    "selection_response",
    "session_customer",
    "set_line_quantity",
    "shipping_methods_json",
    "shipping_options",
    "shortages_at_checkout",
    "stock_capped",
    "totals_json",
    "unavailable_entry",
    "voucher_codes",
]
