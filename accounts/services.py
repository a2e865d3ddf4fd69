"""Customer accounts: every action is a Centra call on the shopper's session token (customers
live in Centra, never in Django's user table), plus what the shopper's session keeps about it.

- Register, sign in and password reset log the Centra session in; the session then records the
  login and the cookie the first name the header greets with (:class:`CustomerLogin`). Signing
  in merges the anonymous cart into the customer's saved one: that is Centra's doing, and the
  cart count is read from its answer.
- Sign out logs the Centra session out and forgets its token: the next cart is a new one.
- Account pages go through :func:`_customer_call`: no login in the session, or Centra's 403
  (not logged in, token expired), is :class:`SignInRequired`, and the login is forgotten.

Budget: one Centra call per account page or action (two when a shopper without a selection
registers, signs in or resets a password: ``PUT selection`` first puts the new session in their
country, language and market, as a server-side caller must).

The session key is rotated by the views (``cycle_key``/``flush``), which hold the request.
Failures the shopper can act on are :class:`AccountRefused` with their message (and Centra's
field keys); passwords never appear in one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.orders import Order, OrdersPage, order_from, orders_page
from catalog.context import ShopperContext
from centra import customer_api, selection_api
from centra.client import CentraClient, CentraResponse
from centra.connection import get_client
from centra.errors import (
    CentraError,
    CentraForbidden,
    CentraNotFound,
    CentraUnavailable,
    CentraValidationError,
)
from centra.readers import obj, objs, text
from storefront.session import BrowserState, CentraSession, CustomerLogin, ShopperChoices

logger = logging.getLogger(__name__)

CustomerCall = Callable[[CentraClient, str], CentraResponse]

ADDRESS_FIELDS = (
    "firstName",
    "lastName",
    "address1",
    "address2",
    "zipCode",
    "city",
    "country",
    "state",
    "phoneNumber",
)


class AccountRefused(Exception):
    """Centra (or a limit) refused; ``message`` tells the shopper why, ``fields`` maps Centra's
    field keys to messages for the form."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class SignInRequired(Exception):
    """The shopper is not (or no longer) logged in."""


@dataclass(frozen=True, slots=True)
class Customer:
    """Centra's ``loggedIn``: who the session is logged in as."""

    email: str
    first_name: str
    last_name: str
    phone: str
    newsletter: bool
    address: Mapping[str, str]  # Centra's address keys -> values

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def customer_from(logged_in: Mapping[str, Any]) -> Customer:
    return Customer(
        email=text(logged_in.get("email")),
        first_name=text(logged_in.get("firstName")),
        last_name=text(logged_in.get("lastName")),
        phone=text(logged_in.get("phoneNumber")),
        newsletter=logged_in.get("newsletter") is True,
        address={key: text(logged_in.get(key)) for key in ADDRESS_FIELDS},
    )


# -- signing in and out ---------------------------------------------------------------------------


def register(
    browser: BrowserState,
    ctx: ShopperContext,
    fields: Mapping[str, Any],
    client: CentraClient | None = None,
) -> Customer:
    """``POST register`` with the form's fields (Centra's keys): the session is logged in."""
    client = client or get_client()
    token = _session_token(browser, ctx, client)
    body = {**fields, "language": ctx.language}
    try:
        response = customer_api.register(client, token, body)
    except CentraValidationError as exc:
        _keep_token(browser, exc)
        if exc.status_code == 409:
            raise AccountRefused(
                _("An account with this email already exists. Sign in, or reset your password."),
                {"email": _("An account with this email already exists.")},
            ) from exc
        raise AccountRefused(_("Please check the form."), field_messages(exc.errors)) from exc
    return _signed_in(browser, ctx, response)


def sign_in(
    browser: BrowserState,
    ctx: ShopperContext,
    email: str,
    password: str,
    client: CentraClient | None = None,
) -> Customer:
    """``POST login/{email}``: the anonymous cart merges into the customer's saved one. A wrong
    password and an unknown email get the same answer from Centra, and from us."""
    client = client or get_client()
    token = _session_token(browser, ctx, client)
    try:
        response = customer_api.login(client, token, email, password)
    except (CentraValidationError, CentraNotFound) as exc:
        _keep_token(browser, exc)
        raise AccountRefused(_("That email and password do not match an account.")) from exc
    return _signed_in(browser, ctx, response)


def sign_out(browser: BrowserState, client: CentraClient | None = None) -> None:
    """``POST logout``, then forget the token and the login: the next cart starts afresh. When
    Centra cannot be reached the shopper is signed out here all the same (the token that was
    logged in is dropped with the session)."""
    token = CentraSession(browser).token
    if token is not None:
        try:
            customer_api.logout(client or get_client(), token)
        except CentraError as exc:
            logger.warning("centra logout failed: %r", exc)
    CustomerLogin(browser).sign_out()
    CentraSession(browser).forget_selection()


def request_password_reset(
    browser: BrowserState,
    ctx: ShopperContext,
    email: str,
    link_uri: str,
    client: CentraClient | None = None,
) -> None:
    """``POST password-reset-email/{email}`` with our reset page as ``linkUri``. Says nothing
    about whether the email has an account (nor does Centra)."""
    client = client or get_client()
    token = CentraSession(browser).token
    try:
        response = customer_api.password_reset_email(client, token, email, link_uri)
    except (CentraValidationError, CentraNotFound) as exc:
        logger.info("password reset email refused: %s", sorted(exc.errors))
        return
    if response.token and response.token != token:
        CentraSession(browser).remember(response)


def reset_password(
    browser: BrowserState,
    ctx: ShopperContext,
    reset_id: str,
    secret: str,
    new_password: str,
    client: CentraClient | None = None,
) -> Customer:
    """``POST password-reset`` with the link's ``id`` and ``i``: the session is logged in."""
    client = client or get_client()
    token = _session_token(browser, ctx, client)
    try:
        response = customer_api.password_reset(client, token, reset_id, secret, new_password)
    except CentraValidationError as exc:
        _keep_token(browser, exc)
        if "i" in exc.errors or "id" in exc.errors:
            raise AccountRefused(
                _("This link has expired or was already used. Please ask for a new one.")
            ) from exc
        raise AccountRefused(_("Please check the form."), field_messages(exc.errors)) from exc
    return _signed_in(browser, ctx, response)


def subscribe_newsletter(
    browser: BrowserState,
    ctx: ShopperContext,
    email: str,
    honeypot: str,
    client: CentraClient | None = None,
) -> None:
    """``POST newsletter-subscription/{email}`` in the shopper's country and language, with
    Centra's honeypot field passed on as filled in (Centra ignores a bot's request)."""
    fields: dict[str, Any] = {"language": ctx.language, "email_field": honeypot}
    if ctx.country:
        fields["country"] = ctx.country
    try:
        customer_api.subscribe_newsletter(
            client or get_client(), CentraSession(browser).token, email, fields
        )
    except (CentraValidationError, CentraNotFound) as exc:
        raise AccountRefused(_("Please enter a valid email address.")) from exc


# -- the signed-in customer -----------------------------------------------------------------------


def profile(browser: BrowserState, client: CentraClient | None = None) -> Customer:
    """``GET customer``."""
    response = _customer_call(browser, customer_api.customer, client)
    return _greeted(browser, response)


def update_profile(
    browser: BrowserState, fields: Mapping[str, Any], client: CentraClient | None = None
) -> Customer:
    """``PUT customer/update``."""
    return _change(browser, lambda c, t: customer_api.update_customer(c, t, dict(fields)), client)


def update_address(
    browser: BrowserState, fields: Mapping[str, Any], client: CentraClient | None = None
) -> Customer:
    """``PUT address``: the address checkout starts from."""
    return _change(browser, lambda c, t: customer_api.update_address(c, t, dict(fields)), client)


def change_email(
    browser: BrowserState, new_email: str, client: CentraClient | None = None
) -> Customer:
    """``PUT email``."""
    try:
        return _change(browser, lambda c, t: customer_api.change_email(c, t, new_email), client)
    except AccountRefused as refused:
        if "newEmail" in refused.fields and refused.fields["newEmail"] == TAKEN:
            raise AccountRefused(
                _("Another account uses this email."),
                {"newEmail": _("Another account uses this email.")},
            ) from refused
        raise


def change_password(
    browser: BrowserState, current: str, new: str, client: CentraClient | None = None
) -> None:
    """``PUT password``: the current password, then the new one."""
    _change(browser, lambda c, t: customer_api.change_password(c, t, current, new), client)


def order_history(
    browser: BrowserState, page: int, size: int, client: CentraClient | None = None
) -> OrdersPage:
    """One page of ``POST orders``, newest first."""

    def call(client: CentraClient, token: str) -> CentraResponse:
        return customer_api.orders(client, token, start=(page - 1) * size, size=size)

    return orders_page(_customer_call(browser, call, client).data, page, size)


def order(browser: BrowserState, number: str, client: CentraClient | None = None) -> Order | None:
    """One of the customer's orders, by number; None when it is not theirs. Centra has no
    single-order route for customers: ``POST orders`` lists them all, in one call."""
    answer = _customer_call(browser, customer_api.orders, client).data
    found = next((o for o in objs(answer.get("orders")) if text(o.get("order")) == number), None)
    return order_from(found) if found is not None else None


def wishlist(browser: BrowserState, client: CentraClient | None = None) -> list[int]:
    """The product ids on the wishlist, newest first."""
    return _wishlist_ids(_customer_call(browser, customer_api.wishlist, client))


def add_to_wishlist(
    browser: BrowserState, product: int, client: CentraClient | None = None
) -> list[int]:
    def call(client: CentraClient, token: str) -> CentraResponse:
        return customer_api.add_to_wishlist(client, token, str(product))

    try:
        return _wishlist_ids(_customer_call(browser, call, client))
    except CentraNotFound as exc:
        raise AccountRefused(_("That product cannot be saved.")) from exc
    except CentraValidationError as exc:
        if exc.status_code == 409:  # already on it: what the shopper wanted
            return wishlist(browser, client)
        raise AccountRefused(_("That product cannot be saved.")) from exc


def remove_from_wishlist(
    browser: BrowserState, product: int, client: CentraClient | None = None
) -> list[int]:
    def call(client: CentraClient, token: str) -> CentraResponse:
        return customer_api.remove_from_wishlist(client, token, str(product))

    try:
        return _wishlist_ids(_customer_call(browser, call, client))
    except (CentraNotFound, CentraValidationError) as exc:
        raise AccountRefused(_("That product is not on your wishlist.")) from exc


# -- bookkeeping ----------------------------------------------------------------------------------

TAKEN = "already registered"


def _customer_call(
    browser: BrowserState, call: CustomerCall, client: CentraClient | None
) -> CentraResponse:
    """Run a customer-only call on the session's token."""
    login = CustomerLogin(browser)
    token = CentraSession(browser).token
    if not login.signed_in or token is None:
        login.sign_out()
        raise SignInRequired
    try:
        response = call(client or get_client(), token)
    except CentraForbidden as exc:
        _keep_token(browser, exc)
        login.sign_out()
        raise SignInRequired from exc
    if response.token_changed and response.token:
        CentraSession(browser).set_token(response.token)
    return response


def _change(browser: BrowserState, call: CustomerCall, client: CentraClient | None) -> Customer:
    try:
        response = _customer_call(browser, call, client)
    except CentraValidationError as exc:
        raise AccountRefused(_("Please check the form."), field_messages(exc.errors)) from exc
    return _greeted(browser, response)


def _greeted(browser: BrowserState, response: CentraResponse) -> Customer:
    """The customer in an answer; the header's greeting follows a changed first name."""
    customer = customer_from(obj(response.data.get("loggedIn")))
    CustomerLogin(browser).greet(customer.first_name)
    return customer


def _signed_in(browser: BrowserState, ctx: ShopperContext, response: CentraResponse) -> Customer:
    _remember(browser, ctx, response)
    logged_in = obj(response.data.get("loggedIn"))
    if not logged_in:
        raise CentraUnavailable("Centra answered a login without loggedIn")
    customer = customer_from(logged_in)
    CustomerLogin(browser).sign_in(customer.first_name)
    return customer


def _session_token(browser: BrowserState, ctx: ShopperContext, client: CentraClient) -> str:
    """The shopper's Centra token; a new session in their country, language and market when
    they have none (a login is tied to a session)."""
    token = CentraSession(browser).token
    if token is not None:
        return token
    response = selection_api.place_selection(
        client, None, country=ctx.country, language=ctx.language
    )
    if not response.token:
        raise CentraUnavailable("Centra answered PUT selection without a token")
    _remember(browser, ctx, response)
    return response.token


def _remember(browser: BrowserState, ctx: ShopperContext, response: CentraResponse) -> None:
    """Keep the answer's token, cart count and location (a merged cart may have moved)."""
    CentraSession(browser).remember(response)
    location = selection_api.location_of(response)
    if location is not None:
        ShopperChoices(browser).remember_location(location, language=ctx.language)


def _keep_token(browser: BrowserState, exc: CentraError) -> None:
    if exc.token:
        CentraSession(browser).set_token(exc.token)


def _wishlist_ids(response: CentraResponse) -> list[int]:
    items = objs(obj(response.data.get("wishlist")).get("items"))
    ids = []
    for item in items:
        product = item.get("product")
        raw = text(obj(product).get("product")) if isinstance(product, dict) else text(product)
        if raw.isascii() and raw.isdigit():
            ids.append(int(raw))
    return ids


_MESSAGES = {
    "not valid": gettext_lazy("Please check this."),
    "incorrect": gettext_lazy("That password is not right."),
    "required": gettext_lazy("Please fill this in."),
}
_PASSWORD_KEYS = frozenset({"password", "newPassword"})


def field_messages(errors: Mapping[str, Any]) -> dict[str, str]:
    """Centra's field errors ("not valid", "incorrect"...) as sentences for the shopper; the
    words themselves are kept for what this module recognises (``TAKEN``)."""
    messages: dict[str, str] = {}
    for key, value in errors.items():
        words = str(value)
        if words == TAKEN:
            messages[key] = words
        elif key in _PASSWORD_KEYS and words == "not valid":
            messages[key] = _("This password is not accepted: please use 4 to 128 characters.")
        else:
            messages[key] = str(_MESSAGES.get(words, words))
    return messages
