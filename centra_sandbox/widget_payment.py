"""The sandbox's widget payment method (``kind = "widget"``), shaped like Centra's widget
plugins (Adyen Drop-in, Stripe Payment Intents, PayPal buttons):
https://centra.dev/docs/extend-with-plugins/checkout/adyen-drop-in

1. ``POST payment`` with ``paymentInitiateOnly: true`` (only ``address.country``, and
   ``address.state``, needed) answers ``{action: "form", formType: "sandbox-widget", formHtml,
   formFields}``; so does a full ``POST payment`` without ``paymentMethodSpecificFields``.
   ``formHtml`` is a self-contained widget (markup and an inline script, nothing loaded from the
   network): two test cards and a pay button.
2. The pay button dispatches the DOM event ``centra_checkout_payment_callback`` on ``document``
   with ``detail = {paymentMethod, paymentMethodSpecificFields: {card}, responseEventRequired:
   false, addressIncluded: false, billingAddress: {country, state}, shippingAddress: {country,
   state}}``. The checkout sends it as a full ``POST payment`` (its own address as ``address``,
   ``paymentMethodSpecificFields`` as they came, terms and pages as usual).
3. That answers ``{action: "javascript", formType, formFields: {action: {...}}, code}``: ``code``
   shows a 3-D Secure challenge dialog and then navigates the browser to
   ``paymentReturnPage`` with the signed provider parameters (``status=approved``), or to
   ``paymentFailedPage`` (``status=declined``) when the shopper cancels or the card declines.
4. The return page sends what it received to ``POST payment-result``, which creates the order
   once (a repeat returns the same order), as for the other methods.

Test cards: ``4111111111111111`` is approved after the challenge, ``4000000000000002`` is
declined by the issuer after it (its payment is recorded as declined at once).
"""

from __future__ import annotations

import html
import json
import secrets
import sqlite3
from typing import TYPE_CHECKING, Any

from centra_sandbox.payment_signing import provider_fields, with_query
from centra_sandbox.selections.methods import WIDGET_KIND

if TYPE_CHECKING:
    from centra_sandbox.app import Sandbox
    from centra_sandbox.selections.pricing import Priced

__all__ = ["WIDGET_KIND", "card_errors", "challenge_action", "payment_status_for", "widget_form"]
FORM_TYPE = "sandbox-widget"
APPROVED_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
TEST_CARDS = {
    APPROVED_CARD: "Visa ending 1111: approved after 3-D Secure",
    DECLINED_CARD: "Visa ending 0002: declined after 3-D Secure",
}

_WIDGET = """<div id="{id}" class="sandbox-widget" style="font-family:system-ui,sans-serif">
<p>Sandbox card payment: no money moves.</p>
{cards}
<button type="button">Pay {amount}</button>
</div>
<script>
(function () {{
  var root = document.getElementById({id_js});
  root.querySelector("button").addEventListener("click", function () {{
    var card = root.querySelector("input:checked").value;
    document.dispatchEvent(new CustomEvent("centra_checkout_payment_callback", {{
      detail: {{
        paymentMethod: {method_js},
        paymentMethodSpecificFields: {{ card: card }},
        responseEventRequired: false,
        addressIncluded: false,
        billingAddress: {location_js},
        shippingAddress: {location_js}
      }}
    }}));
  }});
}})();
</script>"""

_CARD = (
    '<label style="display:block"><input type="radio" name="{name}" value="{value}"{checked}> '
    "{label}</label>"
)

_CHALLENGE = """(function () {
  var step = %s;
  var dialog = document.createElement("div");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-label", "Sandbox 3-D Secure");
  dialog.style.cssText = "position:fixed;inset:0;display:flex;align-items:center;" +
    "justify-content:center;background:rgba(0,0,0,.4);z-index:2147483647";
  var box = document.createElement("div");
  box.style.cssText = "background:#fff;padding:1.5rem;max-width:22rem;font-family:sans-serif";
  var text = document.createElement("p");
  text.textContent = "Sandbox 3-D Secure: confirm the payment of " + step.amount + ".";
  box.appendChild(text);
  [["Authenticate", step.authenticated], ["Cancel", step.cancelled]].forEach(function (pair) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = pair[0];
    button.addEventListener("click", function () { window.location.assign(pair[1]); });
    box.appendChild(button);
  });
  dialog.appendChild(box);
  document.body.appendChild(dialog);
})();"""


def _js(value: Any) -> str:
    """A JSON literal that is also safe inside an HTML ``<script>`` element."""
    return json.dumps(value).replace("</", "<\\/")


def widget_form(priced: Priced, method_id: str) -> dict[str, Any]:
    """The ``form`` action that puts the widget on the checkout page."""
    place = priced.place
    amount = place.money("amount", priced.grand_total)["amount"]
    widget_id = f"sandbox-widget-{secrets.token_hex(8)}"
    location = {
        "country": place.country["code"] if place.country is not None else "",
        "state": place.state["code"] if place.state is not None else "",
    }
    cards = "\n".join(
        _CARD.format(
            name=f"{widget_id}-card",
            value=number,
            checked=" checked" if number == APPROVED_CARD else "",
            label=html.escape(label),
        )
        for number, label in TEST_CARDS.items()
    )
    form_html = _WIDGET.format(
        id=widget_id,
        id_js=_js(widget_id),
        cards=cards,
        amount=html.escape(amount),
        method_js=_js(method_id),
        location_js=_js(location),
    )
    return {
        "action": "form",
        "formType": FORM_TYPE,
        "formHtml": form_html,
        "formFields": {
            "paymentMethod": method_id,
            "amount": f"{priced.grand_total:.{place.digits}f}",
            "currency": place.currency["code"],
        },
    }


def card_errors(specific: Any) -> dict[str, str]:
    """What is wrong with a widget callback's ``paymentMethodSpecificFields``."""
    if not isinstance(specific, dict):
        return {"paymentMethodSpecificFields": "must be an object"}
    if specific.get("card") not in TEST_CARDS:
        return {"paymentMethodSpecificFields.card": "not a sandbox test card"}
    return {}


def payment_status_for(specific: dict[str, Any]) -> str:
    """A declined test card is declined as soon as it is tried."""
    return "declined" if specific["card"] == DECLINED_CARD else "pending"


def challenge_action(sandbox: Sandbox, payment: sqlite3.Row, amount: str) -> dict[str, Any]:
    """The ``javascript`` action: a 3-D Secure step that ends on the return or failed page."""
    cancelled = with_query(payment["failed_page"], provider_fields(sandbox, payment, "declined"))
    authenticated = (
        cancelled
        if payment["status"] == "declined"
        else with_query(payment["return_page"], provider_fields(sandbox, payment, "approved"))
    )
    step = {"amount": amount, "authenticated": authenticated, "cancelled": cancelled}
    return {
        "action": "javascript",
        "formType": FORM_TYPE,
        "formFields": {"action": {"type": "threeDS2Challenge", "paymentData": payment["id"]}},
        "code": _CHALLENGE % _js(step),
    }
