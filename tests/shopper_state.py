"""What the test client's browser holds: the signed shopper cookie, read and written as the
shop does (storefront.session)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from storefront.session import CART_COUNT, CHOICES, COOKIE_NAME, ShopperCookie


def shopper_cookie(client: Client) -> dict[str, Any]:
    morsel = client.cookies.get(COOKIE_NAME)
    return ShopperCookie(morsel.value if morsel else None).data


def choices(client: Client) -> dict[str, Any]:
    return dict(shopper_cookie(client).get(CHOICES) or {})


def cart_count(client: Client) -> int:
    return int(shopper_cookie(client).get(CART_COUNT) or 0)


def set_shopper_cookie(client: Client, **data: Any) -> None:
    """Give the browser a shopper cookie, e.g. ``choices={"country": "DE", ...}``."""
    client.cookies[COOKIE_NAME] = ShopperCookie.encode({**shopper_cookie(client), **data})
