"""Named calls on a shopper's selection (Centra's cart) and its checkout.

Each takes the shopper's session token and answers Centra's SelectionResponse (``docs/centra.md
#selection``), except the payment calls, which answer a payment action or an order. The caller
stores ``response.token`` when ``response.token_changed`` and reads :func:`location_of` for the
market and pricelist Centra chose: Centra, not the storefront, decides which market and
pricelist a country gets. Path parameters (items, lines, voucher codes) are percent-encoded by
the client, so ``TEST+CODE`` or ``../x`` cannot change the route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from centra.client import CentraClient, CentraResponse


@dataclass(frozen=True, slots=True)
class SelectionLocation:
    """``location`` of a SelectionResponse: where the selection now is."""

    country: str | None
    state: str | None
    market: int
    pricelist: int
    language: str | None


def set_country(
    client: CentraClient, token: str, country: str, language: str | None = None
) -> CentraResponse:
    """``PUT countries/{country}``; without ``language`` Centra switches the selection to the
    country's default language, so pass the shopper's language to keep it."""
    body: dict[str, Any] = {"language": language} if language else {}
    return client.put("countries/{country}", params={"country": country}, json=body, token=token)


def set_country_state(client: CentraClient, token: str, country: str, state: str) -> CentraResponse:
    """``PUT countries/{country}/states/{state}``: state taxes depend on it."""
    return client.put(
        "countries/{country}/states/{state}",
        params={"country": country, "state": state},
        json={},
        token=token,
    )


def set_language(client: CentraClient, token: str, language: str) -> CentraResponse:
    """``PUT languages/{language}``."""
    return client.put("languages/{language}", params={"language": language}, json={}, token=token)


def place_selection(
    client: CentraClient,
    token: str | None,
    *,
    country: str | None,
    language: str,
    market: int | None = None,
    pricelist: int | None = None,
) -> CentraResponse:
    """``PUT selection`` with the shared secret: put the selection (a new one when ``token`` is
    None) in the shopper's country and language, and in ``market``/``pricelist`` when given (a
    VIP market, for example). A server-side caller must: Centra's GeoIP would see the server."""
    body: dict[str, Any] = {"language": language}
    if country:
        body["country"] = country
    if market is not None:
        body["market"] = market
    if pricelist is not None:
        body["pricelist"] = pricelist
    return client.put("selection", json=body, token=token)


def get_selection(client: CentraClient, token: str) -> CentraResponse:
    return client.get("selection", token=token)


def add_item(client: CentraClient, token: str, item: str, quantity: int) -> CentraResponse:
    """``POST items/{item}/quantity/{quantity}``: the same item again adds to its line."""
    return client.post(
        "items/{item}/quantity/{quantity}",
        params={"item": item, "quantity": quantity},
        token=token,
    )


def set_line_quantity(client: CentraClient, token: str, line: str, quantity: int) -> CentraResponse:
    return client.put(
        "lines/{line}/quantity/{quantity}",
        params={"line": line, "quantity": quantity},
        token=token,
    )


def remove_line(client: CentraClient, token: str, line: str) -> CentraResponse:
    return client.delete("lines/{line}", params={"line": line}, token=token)


def replace_line(
    client: CentraClient, token: str, line: str, item: str, quantity: int
) -> CentraResponse:
    """Another size on a line, quantity kept, in one call: the bulk ``PUT items`` removes the
    line and adds the new item (Centra has no "change size" route)."""
    body = {
        "lines": [{"line": line, "quantity": 0}],
        "items": [{"item": item, "quantity": quantity}],
    }
    return client.put("items", json=body, token=token)


def add_voucher(client: CentraClient, token: str, code: str) -> CentraResponse:
    return client.post("vouchers", json={"voucher": code}, token=token)


def remove_voucher(client: CentraClient, token: str, code: str) -> CentraResponse:
    return client.delete("vouchers/{voucher}", params={"voucher": code}, token=token)


def set_shipping_method(client: CentraClient, token: str, method: str) -> CentraResponse:
    return client.put("shipping-methods/{method}", params={"method": method}, token=token)


def set_payment_method(client: CentraClient, token: str, method: str) -> CentraResponse:
    return client.put("payment-methods/{method}", params={"method": method}, token=token)


def save_payment_fields(client: CentraClient, token: str, fields: dict[str, Any]) -> CentraResponse:
    """``PUT payment-fields``: what the shopper typed so far, kept in Centra (cart recovery)."""
    return client.put("payment-fields", json=fields, token=token)


def start_payment(client: CentraClient, token: str, body: dict[str, Any]) -> CentraResponse:
    """``POST payment``: answers a payment ``action`` (``docs/centra.md#payment``). Never
    retried: it may move money."""
    return client.post("payment", json=body, token=token)


def payment_result(client: CentraClient, token: str, fields: dict[str, Any]) -> CentraResponse:
    """``POST payment-result`` with every parameter the return page received, unchanged."""
    return client.post("payment-result", json={"paymentMethodFields": fields}, token=token)


def receipt(client: CentraClient, token: str) -> CentraResponse:
    """``GET receipt``: the latest order of the session ``token``."""
    return client.get("receipt", token=token)


def location_of(response: CentraResponse) -> SelectionLocation | None:
    """The selection's location from a SelectionResponse, or None when the answer has none (or
    it lacks a market or pricelist, which the storefront cannot do without)."""
    location = response.data.get("location")
    if not isinstance(location, dict):
        return None
    market, pricelist = _as_int(location.get("market")), _as_int(location.get("pricelist"))
    if market is None or pricelist is None:
        return None
    language = location.get("language")
    # Since v2.69 ``location.language`` is a Language object; older answers send the code.
    code = language.get("language") if isinstance(language, dict) else language
    return SelectionLocation(
        country=_as_str(location.get("country")),
        state=_as_str(location.get("state")),
        market=market,
        pricelist=pricelist,
        language=_as_str(code),
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
