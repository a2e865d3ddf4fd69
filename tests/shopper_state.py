"""What the test client's browser holds: the signed shopper cookie, read and written as the
shop does (storefront.session); and what a page shows the shopper once static/js/site.js has
filled in a shopper-free page from ``/shopper/state``."""

from __future__ import annotations

import re
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


_STATE_URL = re.compile(r'<body data-shopper-state="([^"]+)"')


def page_state(response: Any) -> dict[str, Any] | None:
    """What site.js asks for on the page ``response`` shows (None: a private page, which
    shows its own); asking consumes the shopper's messages, as the browser's script does."""
    found = _STATE_URL.search(response.content.decode())
    if found is None:
        return None
    answer = response.client.get(found.group(1))
    assert answer.status_code == 200
    return dict(answer.json())


def shown_messages(response: Any) -> list[str]:
    """The messages the page ``response`` shows: its own, or on a shopper-free page the ones
    its script puts in."""
    state = page_state(response)
    if state is not None:
        return [message["text"] for message in state["messages"]]
    return [str(m) for m in response.context["messages"]] if response.context else []
