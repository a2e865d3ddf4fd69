"""Customer handling routes of the Checkout API.

Login is tied to the session token. Where Centra's documentation is silent this sandbox decides:

- ``GET customer`` answers ``{token, loggedIn: {...}}`` (no selection envelope), 403
  ``{"errors": {"accessRight": "denied"}}`` when the token is not logged in; so do every other
  customer-only route (``customer/update``, ``address``, ``email``, ``password``, ``orders``).
- ``PUT customer/update``, ``PUT address``, ``PUT email`` and ``PUT password`` answer the
  SelectionResponse with ``loggedIn``. Field errors are 406 keyed by the request field
  (``"newEmail": "already registered"`` is 409, like ``POST register``'s ``email``).
- ``customer/update`` takes ``firstName, lastName, gender, phoneNumber, language, newsletter,
  consents`` and the address fields; ``address`` takes ``firstName, lastName, address1,
  address2, zipCode, city, state, country, phoneNumber``. Unknown fields are ignored.
- ``POST password-reset-email/{email}`` answers the SelectionResponse (``{token}`` alone with
  ``API-token: none``) whether or not the email has an account; only a real account gets a mail
  in the outbox. ``linkUri`` must be a relative path (406 ``linkUri`` otherwise), so a reset link
  always points at the configured frontend URL. Links live 24 hours and a newer link voids
  older ones.
- ``POST password-reset`` refuses with 406 ``i``: ``"not valid"`` (unknown id or wrong hash),
  ``"already used"`` or ``"expired"``; ``newPassword`` is checked after the link, and a refused
  new password leaves the link usable.
- ``POST newsletter-subscription[/{email}]`` answers ``{token, subscribed: true}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeGuard

from centra_sandbox import accounts
from centra_sandbox.accounts import NOT_VALID
from centra_sandbox.http import ApiError, Call, api
from centra_sandbox.selections import selection_response

PROFILE_KEYS = (*accounts.PROFILE_FIELDS, "language", "newsletter", "consents")
ACCOUNT_KEYS = tuple(dict.fromkeys((*PROFILE_KEYS, *accounts.ADDRESS_FIELDS)))
DEFAULT_LINK_URI = "account/password-reset"


def _customer_id(call: Call) -> int:
    session = call.session
    if session is None or session["customer_id"] is None:
        raise ApiError(403, {"accessRight": "denied"})
    return int(session["customer_id"])


def _log_in(call: Call, customer_id: int) -> dict[str, Any]:
    accounts.log_in(call.db, call.require_token(), customer_id, call.now)
    return selection_response(call)


def _checked(
    call: Call, key: str, valid: Callable[[Any], TypeGuard[str]], errors: dict[str, str]
) -> str | None:
    """The body's ``key`` when ``valid`` accepts it; otherwise None, with ``key`` marked not
    valid in ``errors`` (a route answers all its refused fields in one 406)."""
    value = call.body.get(key)
    if valid(value):
        return value
    errors[key] = NOT_VALID
    return None


def _clean(call: Call, keys: tuple[str, ...], customer_id: int | None) -> dict[str, Any]:
    current = accounts.logged_in(call.db, customer_id) if customer_id is not None else {}
    changes, errors = accounts.clean_fields(call.db, call.body, keys, current)
    if errors:
        raise ApiError(406, errors)
    return changes


# -- register, login, logout ----------------------------------------------------------------------


@api.route("POST", "register")
def register(call: Call) -> dict[str, Any]:
    errors: dict[str, str] = {}
    email = _checked(call, "email", accounts.valid_email, errors)
    password = _checked(call, "password", accounts.valid_password, errors)
    changes, field_errors = accounts.clean_fields(call.db, call.body, ACCOUNT_KEYS, {})
    errors.update(field_errors)
    if email is None or password is None or errors:
        raise ApiError(406, errors)
    if accounts.find_customer(call.db, email) is not None:
        raise ApiError(409, {"email": "already registered"})
    call.require_token()
    if "language" not in changes:
        row = call.db.execute(
            "SELECT language FROM selections WHERE id = ?", (call.selection_id,)
        ).fetchone()
        changes["language"] = row["language"] if row else None
    customer_id = accounts.create_customer(call.db, email, password, changes, call.now)
    return _log_in(call, customer_id)


@api.route("POST", "login/{email}")
def login(call: Call) -> dict[str, Any]:
    customer_id = accounts.authenticate(call.db, call.params["email"], call.body.get("password"))
    if customer_id is None:
        raise ApiError(406, {"password": "incorrect"})
    return _log_in(call, customer_id)


@api.route("POST", "logout")
def logout(call: Call) -> dict[str, Any]:
    accounts.log_out(call.db, call.require_token(), call.now)
    return selection_response(call)


# -- the logged-in customer -----------------------------------------------------------------------


@api.route("GET", "customer")
def customer(call: Call) -> dict[str, Any]:
    return {"loggedIn": accounts.logged_in(call.db, _customer_id(call))}


@api.route("PUT", "customer/update")
def update_customer(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    accounts.update_customer(call.db, customer_id, _clean(call, ACCOUNT_KEYS, customer_id))
    return selection_response(call)


@api.route("PUT", "address")
def update_address(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    changes = _clean(call, accounts.ADDRESS_FIELDS, customer_id)
    accounts.update_customer(call.db, customer_id, changes)
    return selection_response(call)


@api.route("PUT", "email")
def change_email(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    new_email = call.body.get("newEmail")
    if not accounts.valid_email(new_email):
        raise ApiError(406, {"newEmail": NOT_VALID})
    owner = accounts.find_customer(call.db, new_email)
    if owner is not None and owner["id"] != customer_id:
        raise ApiError(409, {"newEmail": "already registered"})
    accounts.update_customer(call.db, customer_id, {"email": new_email.strip()})
    return selection_response(call)


@api.route("PUT", "password")
def change_password(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    email = accounts.logged_in(call.db, customer_id)["email"]
    errors: dict[str, str] = {}
    if accounts.authenticate(call.db, email, call.body.get("password")) != customer_id:
        errors["password"] = "incorrect"  # noqa: S105 -- an error message, not a password
    new_password = _checked(call, "newPassword", accounts.valid_password, errors)
    if new_password is None or errors:
        raise ApiError(406, errors)
    accounts.set_password(call.db, customer_id, new_password)
    return selection_response(call)


@api.route("POST", "orders")
def orders(call: Call) -> dict[str, Any]:
    customer_id = _customer_id(call)
    start, size = _paging(call.body)
    total = call.db.execute(
        "SELECT COUNT(*) FROM orders WHERE customer_id = ?", (customer_id,)
    ).fetchone()[0]
    rows = call.db.execute(
        "SELECT data FROM orders WHERE customer_id = ? ORDER BY created_at DESC, rowid DESC "
        "LIMIT ? OFFSET ?",
        (customer_id, -1 if size is None else size, start),
    ).fetchall()
    envelope = selection_response(call)
    return {
        "orders": [_listed_order(call, row["data"]) for row in rows],
        "ordersPaging": {
            "from": start,
            "size": max(total - start, 0) if size is None else size,
            "totalSize": total,
        },
        "languages": envelope["languages"],
        "countries": envelope["countries"],
        "loggedIn": accounts.logged_in(call.db, customer_id),
        "location": envelope["location"],
    }


def _paging(body: dict[str, Any]) -> tuple[int, int | None]:
    start, size = body.get("from"), body.get("size")
    errors: dict[str, str] = {}
    if start is None:
        start = 0
    elif not _is_int(start) or start < 0:
        errors["from"] = NOT_VALID
    if size is not None and (not _is_int(size) or size < 1):
        errors["size"] = NOT_VALID
    if errors:
        raise ApiError(406, errors)
    return start, size


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _listed_order(call: Call, data: str) -> dict[str, Any]:
    """An order as ``POST orders`` lists it: with its ``shipments`` (the control API's
    ``POST /_sandbox/orders/{order}/shipments`` ships one), oldest first."""
    order = json.loads(data)
    rows = call.db.execute(
        "SELECT * FROM shipments WHERE order_number = ? ORDER BY id", (order["order"],)
    ).fetchall()
    order["shipments"] = [
        {
            "shipmentId": str(row["id"]),
            "shippedDate": row["shipped_date"],
            "carrier": row["carrier"],
            "service": row["service"],
            "trackingId": row["tracking_id"],
            "trackingUrl": row["tracking_url"],
            "returnSlipTracking": row["return_slip_tracking"],
            "additionalMessage": row["additional_message"],
        }
        for row in rows
    ]
    return order


# -- password reset -------------------------------------------------------------------------------


@api.route("POST", "password-reset-email/{email}")
def password_reset_email(call: Call) -> dict[str, Any]:
    email = call.params["email"]
    link_uri = call.body.get("linkUri", DEFAULT_LINK_URI)
    if not accounts.valid_email(email):
        raise ApiError(406, {"email": NOT_VALID})
    if not _relative_path(link_uri):
        raise ApiError(406, {"linkUri": NOT_VALID})
    frontend_url = call.sandbox.config.frontend_url
    accounts.start_password_reset(call.db, email, link_uri, frontend_url, call.now)
    return selection_response(call) if call.token is not None else {}


def _relative_path(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 255:
        return False
    if any(c in value for c in "?#\\") or any(ord(c) < 33 for c in value):
        return False
    return "://" not in value and not value.startswith("//")


@api.route("POST", "password-reset")
def password_reset(call: Call) -> dict[str, Any]:
    call.require_token()  # a reset logs in, which needs a session
    customer_id = accounts.redeem_password_reset(
        call.db, call.body.get("id"), call.body.get("i"), call.now
    )
    new_password = call.body.get("newPassword")
    if not accounts.valid_password(new_password):
        raise ApiError(406, {"newPassword": NOT_VALID})
    accounts.set_password(call.db, customer_id, new_password)
    return _log_in(call, customer_id)


# -- newsletter -----------------------------------------------------------------------------------


@api.route("POST", "newsletter-subscription/{email}")
def newsletter_subscription_for(call: Call) -> dict[str, Any]:
    return _subscribe(call, call.params["email"])


@api.route("POST", "newsletter-subscription")
def newsletter_subscription(call: Call) -> dict[str, Any]:
    return _subscribe(call, call.body.get("email"))


def _subscribe(call: Call, email: Any) -> dict[str, Any]:
    if call.body.get("email_field"):
        # The honeypot field is invisible to people; a bot filled it. Pretend it worked.
        return {"subscribed": True}
    errors: dict[str, str] = {}
    if not accounts.valid_email(email):
        errors["email"] = NOT_VALID
    country, language = call.body.get("country") or None, call.body.get("language") or None
    if isinstance(country, str):
        country = country.upper()
    if country is not None and not _known(call, "countries", country):
        errors["country"] = NOT_VALID
    if language is not None and not _known(call, "languages", language):
        errors["language"] = NOT_VALID
    if errors:
        raise ApiError(406, errors)
    accounts.subscribe_newsletter(call.db, email.strip(), country, language, call.now)
    return {"subscribed": True}


def _known(call: Call, table: str, code: Any) -> bool:
    # The table name is one of two literals above, never from a request.
    sql = f"SELECT 1 FROM {table} WHERE code = ?"  # noqa: S608
    return isinstance(code, str) and call.db.execute(sql, (code,)).fetchone() is not None
