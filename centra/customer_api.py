"""Named calls on a customer's account (Centra's "customer handling": ``docs/centra.md
#customers``).

Login is tied to the session token: every call takes the shopper's token, and the answers that
are SelectionResponses (register, login, logout, profile and address changes, password reset)
carry ``loggedIn`` when the session is logged in. A customer-only call without a login (or with
an expired token) raises :class:`centra.errors.CentraForbidden` (403). Passwords travel only in
request bodies, never in a path; paths (the email of ``login/{email}``) are percent-encoded and
logged as their template.
"""

from __future__ import annotations

from typing import Any, Final

from centra.client import CentraClient, CentraResponse

# Only the default wishlist exists in Centra's Checkout API.
WISHLIST: Final = "0"


def register(client: CentraClient, token: str, fields: dict[str, Any]) -> CentraResponse:
    """``POST register`` with ``email``, ``password`` and any profile fields: logged in."""
    return client.post("register", json=fields, token=token)


def login(client: CentraClient, token: str, email: str, password: str) -> CentraResponse:
    """``POST login/{email}``: the session's cart merges into the customer's saved one."""
    return client.post(
        "login/{email}", params={"email": email}, json={"password": password}, token=token
    )


def logout(client: CentraClient, token: str) -> CentraResponse:
    return client.post("logout", token=token)


def customer(client: CentraClient, token: str) -> CentraResponse:
    """``GET customer``: ``loggedIn``, the customer's details."""
    return client.get("customer", token=token)


def update_customer(client: CentraClient, token: str, fields: dict[str, Any]) -> CentraResponse:
    return client.put("customer/update", json=fields, token=token)


def update_address(client: CentraClient, token: str, fields: dict[str, Any]) -> CentraResponse:
    return client.put("address", json=fields, token=token)


def change_email(client: CentraClient, token: str, new_email: str) -> CentraResponse:
    return client.put("email", json={"newEmail": new_email}, token=token)


def change_password(
    client: CentraClient, token: str, password: str, new_password: str
) -> CentraResponse:
    return client.put(
        "password", json={"password": password, "newPassword": new_password}, token=token
    )


def orders(
    client: CentraClient, token: str, start: int | None = None, size: int | None = None
) -> CentraResponse:
    """``POST orders``: ``{orders, ordersPaging: {from, size, totalSize}}``, newest first; all
    of them without ``start`` and ``size``. A read: safe to retry."""
    body: dict[str, Any] = {}
    if start is not None:
        body["from"] = start
    if size is not None:
        body["size"] = size
    return client.post("orders", json=body, token=token, idempotent=True)


def password_reset_email(
    client: CentraClient, token: str | None, email: str, link_uri: str
) -> CentraResponse:
    """``POST password-reset-email/{email}``: Centra mails ``<frontend URL>/<linkUri>?id=&i=``
    when the email has an account, and answers alike when it has none."""
    return client.post(
        "password-reset-email/{email}",
        params={"email": email},
        json={"linkUri": link_uri},
        token=token,
    )


def password_reset(
    client: CentraClient, token: str, reset_id: str, secret: str, new_password: str
) -> CentraResponse:
    """``POST password-reset`` with the link's ``id`` and ``i``: logged in."""
    return client.post(
        "password-reset",
        json={"id": reset_id, "i": secret, "newPassword": new_password},
        token=token,
    )


def subscribe_newsletter(
    client: CentraClient, token: str | None, email: str, fields: dict[str, Any]
) -> CentraResponse:
    """``POST newsletter-subscription/{email}`` with ``country``, ``language`` and Centra's
    honeypot ``email_field`` (filled by bots only: Centra then ignores the request)."""
    return client.post(
        "newsletter-subscription/{email}", params={"email": email}, json=fields, token=token
    )


def wishlist(client: CentraClient, token: str) -> CentraResponse:
    """``GET customer/wishlists/0``: ``{wishlist: {items: [{wishlistItem, product, ...}]}}``."""
    return client.get("customer/wishlists/{wishlist}", params={"wishlist": WISHLIST}, token=token)


def add_to_wishlist(client: CentraClient, token: str, product: str) -> CentraResponse:
    return client.post(
        "customer/wishlists/{wishlist}/items/{item}",
        params={"wishlist": WISHLIST, "item": product},
        token=token,
    )


def remove_from_wishlist(client: CentraClient, token: str, product: str) -> CentraResponse:
    return client.delete(
        "customer/wishlists/{wishlist}/items/{item}",
        params={"wishlist": WISHLIST, "item": product},
        token=token,
    )
