"""What the test client's browser holds: the signed shopper cookie, read and written as the
shop does (storefront.session); and what a page shows the shopper once static/js/site.js has
filled in a shopper-free page from ``/shopper/state``."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from storefront.session import (
    CART_COUNT,
    CHOICES,
    COOKIE_NAME,
    MARKET_COOKIE,
    MarketKey,
    ShopperCookie,
)


def shopper_cookie(client: Client) -> dict[str, Any]:
    morsel = client.cookies.get(COOKIE_NAME)
    return ShopperCookie(morsel.value if morsel else None).data


def choices(client: Client) -> dict[str, Any]:
    """The shopper's choices as the shop reads them: the signed cookie's, with the country,
    market and pricelist from the market key cookie."""
    data = dict(shopper_cookie(client).get(CHOICES) or {})
    morsel = client.cookies.get(MARKET_COOKIE)
    key = MarketKey.parse(morsel.value if morsel else None)
    if key is not None:
        data["country"] = key.country
        if key.location is not None:
            data["market"], data["pricelist"] = key.location
    return data


def cart_count(client: Client) -> int:
    return int(shopper_cookie(client).get(CART_COUNT) or 0)


def choice_cookies(choices: dict[str, Any], **data: Any) -> dict[str, str]:
    """The cookies of a browser whose shopper chose ``choices`` (country, state, language, and
    the market and pricelist Centra answered, if any), as the shop writes them: the country,
    market and pricelist in the market key cookie, the rest in the signed shopper cookie."""
    signed = {k: choices[k] for k in ("country", "state", "language") if k in choices}
    cookies = {COOKIE_NAME: ShopperCookie.encode({**data, CHOICES: signed})}
    market, pricelist = choices.get("market"), choices.get("pricelist")
    location = (market, pricelist) if market is not None and pricelist is not None else None
    if choices.get("country"):
        cookies[MARKET_COOKIE] = MarketKey(choices["country"], location).encode()
    return cookies


def set_shopper_cookie(client: Client, **data: Any) -> None:
    """Give the browser a shopper cookie, e.g. ``choices={"country": "DE", ...}`` (which also
    sets the market key cookie, as the shop does)."""
    choices = data.pop("choices", None)
    if choices is not None:
        for name, value in choice_cookies(choices, **{**shopper_cookie(client), **data}).items():
            client.cookies[name] = value
        return
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
