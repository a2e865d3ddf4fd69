"""The base layout works from phone to desktop in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("width", "nav_below_brand"), [(375, True), (1280, False)])
def test_layout_adapts_to_the_screen(page, live_server, width: int, nav_below_brand: bool) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/")
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".main-nav").bounding_box()
    assert page.locator("h1").inner_text() == "Welcome"
    assert page.locator(".site-footer").is_visible()
    # The stylesheet loaded: on a phone the navigation wraps under the brand, on a desktop it
    # sits beside it.
    assert (nav["y"] > brand["y"] + brand["height"] - 1) is nav_below_brand
    # Nothing overflows the viewport sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
