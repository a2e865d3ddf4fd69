"""The sandbox's hosted payment page: where ``action: "redirect"`` sends the shopper.

``GET /payment/{payment}`` shows the amount and two buttons (two POST forms). Approve marks the
payment authorized and redirects (303) to the shop's ``paymentReturnPage`` with the signed
provider parameters; decline marks it declined and redirects to ``paymentFailedPage`` with the
same parameters and ``status=declined``. A payment that is no longer waiting answers 409.
"""

from __future__ import annotations

import html
import sqlite3

from werkzeug.wrappers import Response

from centra_sandbox.http import Call, pages
from centra_sandbox.payment_signing import provider_fields, with_query

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox payment</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }}
form {{ display: inline-block; margin-right: .5rem; }}
button {{ font-size: 1rem; padding: .6rem 1.2rem; cursor: pointer; }}
</style></head>
<body>
<h1>Sandbox payment</h1>
<p>This page stands in for a payment provider. No money moves.</p>
<p>Amount: <strong id="amount">{amount} {currency}</strong></p>
<form method="post" action="{base}/payment/{payment}/approve">
<button type="submit" name="decision" value="approve">Approve payment</button></form>
<form method="post" action="{base}/payment/{payment}/decline">
<button type="submit" name="decision" value="decline">Decline payment</button></form>
</body></html>
"""


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _waiting_payment(call: Call) -> sqlite3.Row | Response:
    """The redirect payment of this URL while it still waits for the shopper, else an answer."""
    payment_id = call.params["payment"]
    payment = None
    if len(payment_id) <= 64:
        payment = call.db.execute(
            "SELECT p.* FROM payments p JOIN payment_methods m ON m.id = p.method "
            "WHERE p.id = ? AND m.kind = 'redirect'",
            (payment_id,),
        ).fetchone()
    if payment is None:
        return _html("<!doctype html><title>Not found</title><p>Unknown payment.</p>", 404)
    if payment["status"] != "pending":
        return _html(
            "<!doctype html><title>Payment closed</title>"
            f"<p>This payment is {html.escape(payment['status'])}.</p>",
            409,
        )
    return payment


@pages.route("GET", "payment/{payment}")
def payment_page(call: Call) -> Response:
    payment = _waiting_payment(call)
    if isinstance(payment, Response):
        return payment
    return _html(
        _PAGE.format(
            amount=html.escape(payment["amount"]),
            currency=html.escape(payment["currency"]),
            base=html.escape(call.sandbox.public_url(call.request)),
            payment=html.escape(payment["id"]),
        )
    )


def _decide(call: Call, status: str) -> Response:
    payment = _waiting_payment(call)
    if isinstance(payment, Response):
        return payment
    approved = status == "authorized"
    call.db.execute("UPDATE payments SET status = ? WHERE id = ?", (status, payment["id"]))
    fields = provider_fields(call.sandbox, payment, "approved" if approved else "declined")
    target = payment["return_page"] if approved else payment["failed_page"]
    response = Response(status=303)
    response.headers["Location"] = with_query(target, fields)
    return response


@pages.route("POST", "payment/{payment}/approve")
def approve(call: Call) -> Response:
    return _decide(call, "authorized")


@pages.route("POST", "payment/{payment}/decline")
def decline(call: Call) -> Response:
    return _decide(call, "declined")
