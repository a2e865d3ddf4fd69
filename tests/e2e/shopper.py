"""What a shopper does in the browser during the checkout tests, and what the tests read back:
the sandbox's orders, the totals shown, the redirects a navigation went through, and everything
the browser received (for the shared-secret check)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from decimal import Decimal

from playwright.sync_api import ConsoleMessage, Page, Request, Response, expect
from playwright.sync_api import Error as PlaywrightError

from catalog.models import Item
from centra_sandbox import Sandbox
from storefront.session import CART_COUNT, COOKIE_NAME, ShopperCookie
from tests.cart.helpers import buyable_items, product_url


class OneAtATime:
    """The live server's WSGI application, answering one request at a time.

    Django's live server shares the test's in-memory SQLite connection between its request
    threads, and simultaneous queries through it fail at random ("database table is locked"),
    as Django's documentation of LiveServerTestCase warns. A browser sends requests in parallel
    (a background save, two fetches at once), so the tests' server takes them in turn. A test
    that holds a request on purpose lets the others in meanwhile (:meth:`let_others_in`), which
    is how two requests truly overlap where it matters.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        with self.lock:
            return self.app(environ, start_response)

    @contextmanager
    def let_others_in(self) -> Iterator[None]:
        """Called from within a request (a sandbox hook): serve others until the block ends."""
        self.lock.release()
        try:
            yield
        finally:
            self.lock.acquire()


class Tap:
    """A WSGI application's answers, kept as text: each status line, headers and body."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.answers: list[str] = []

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            self.answers.append(f"{environ.get('PATH_INFO')} {status} {headers}")
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished, as the server would have sent it
        self.answers.append(body.decode("utf-8", "replace"))
        return [body]


APPROVED_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"

# A full Swedish address; email and country are what the demo's paymentFields require.
ADDRESS = {
    "email": "ada@example.com",
    "phoneNumber": "+46 8 123 456",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "Storgatan 1",
    "zipCode": "111 22",
    "city": "Stockholm",
}
COUNTRY = "SE"


def orders(sandbox: Sandbox) -> int:
    return sandbox.store.db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


def order_numbers(sandbox: Sandbox) -> list[str]:
    rows = sandbox.store.db.execute("SELECT number FROM orders ORDER BY number").fetchall()
    return [row[0] for row in rows]


def money(text: str) -> Decimal:
    """An amount as the shop or the sandbox shows it ("3 048.00 SEK", "3048.00 SEK")."""
    digits = re.sub(r"[^0-9.\-]", "", text.replace(",", "."))
    return Decimal(digits)


def grand_total(page: Page) -> Decimal:
    return money(page.locator(".totals-grand dd").inner_text())


def add_to_cart(page: Page, base_url: str, item: Item, *, js: bool = True) -> str:
    """From the product page: choose the item's size and press "Add to cart". With JavaScript
    the header's count goes up in place (no page load); without, the form posts and the cart
    page comes with the message and the count (the product page may be a cached copy, which
    cannot show them). The product's name, as the page shows it."""
    page.goto(base_url + product_url(item))
    name = page.locator("#product-name").inner_text()
    count = page.locator("[data-cart-count]")
    before = cart_count_of(page, js=js)
    page.locator(f"#size-{item.id}").check()
    if js:
        page.evaluate("window.__sameDocument = true")
        page.get_by_role("button", name="Add to cart").click()
        expect(count).to_have_text(str(before + 1))
        expect(page.locator("[data-cart-status]")).to_have_text(f"Added {name} to your cart.")
        assert page.evaluate("window.__sameDocument") is True, "the page was loaded again"
    else:
        with page.expect_navigation():
            page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url(re.compile(r"/cart/$"))
        expect(page.locator(".messages")).to_contain_text(f"Added {name} to your cart.")
        expect(count).to_have_text(str(before + 1))
    return name


def cart_count_of(page: Page, *, js: bool = True) -> int:
    """The cart's item count: from the header once the page's script has filled it in (on a
    shopper-free page), else from the shopper cookie the browser holds (no script)."""
    if js:
        page.wait_for_selector("html[data-shopper-state-ready]", state="attached")
        return int(page.locator("[data-cart-count]").inner_text())
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME] or [None]
    data = ShopperCookie(cookie["value"] if cookie else None).data
    return int(data.get(CART_COUNT) or 0)


def choose_delivery(page: Page, method: str, *, js: bool = True) -> None:
    """Choose a delivery method; with JavaScript the page shows the new totals by itself,
    without it the shopper presses "Update delivery and totals"."""
    radio = page.locator(f"#shipping-{method}")
    if radio.is_checked():
        return
    if js:
        with page.expect_navigation():
            radio.check()
    else:
        radio.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Update delivery and totals").click()
    expect(page.locator(f"#shipping-{method}")).to_be_checked()


def fill_checkout(page: Page, method: str, *, delivery: str = "standard", js: bool = True) -> None:
    """Fill the checkout form: the address, the delivery, the payment method and the terms."""
    country = page.locator('[name="address.country"]')
    if country.input_value() != COUNTRY:
        # With JavaScript, a new country shows its totals by itself ("Update" is pressed).
        with page.expect_navigation() if js else nullcontext():
            country.select_option(COUNTRY)
    for name, value in ADDRESS.items():
        page.locator(f'[name="address.{name}"]').fill(value)
    choose_delivery(page, delivery, js=js)
    # What was typed survives an update of the totals.
    expect(page.locator('[name="address.address1"]')).to_have_value(ADDRESS["address1"])
    page.locator(f"#payment-{method}").check()
    page.get_by_label("I accept the terms and conditions").check()


def at_checkout(page: Page, base_url: str, method: str) -> str:
    """A shopper with one item in the cart, on the filled-in checkout, ``method`` chosen; the
    product's name."""
    [item] = buyable_items(1)
    name = add_to_cart(page, base_url, item)
    page.goto(base_url + "/checkout/")
    fill_checkout(page, method)
    return name


def pay(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def approve(page: Page) -> Response | None:
    """Press "Approve payment" on the sandbox's hosted page; the response the navigation ended
    on (after the return page's redirect to the receipt)."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Approve payment").click()
    return navigation.value


def redirect_chain(response: Response) -> list[str]:
    """The URLs a navigation went through, first to last."""
    chain: list[str] = []
    request: Request | None = response.request
    while request is not None:
        chain.append(request.url)
        request = request.redirected_from
    return chain[::-1]


@dataclass
class Recorder:
    """Every URL the browser requested and every response (headers and body) it got."""

    urls: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.urls.append(request.url)
        if request.post_data:
            self.texts.append(request.post_data)

    def on_response(self, response: Response) -> None:
        self.urls.append(response.url)
        self.texts.append(str(response.all_headers()))
        if 300 <= response.status < 400:
            return  # a redirect has no body to read
        # A page that moved on at once (an auto-submitting form) takes its body along: the
        # server's side of it is in a Tap.
        with suppress(PlaywrightError):
            self.texts.append(response.body().decode("utf-8", "replace"))


class CspWatch:
    """Every content security policy violation on a page: the console's reports and the
    ``securitypolicyviolation`` events, across navigations."""

    def __init__(self, page: Page) -> None:
        self.violations: list[str] = []
        page.on("console", self._console)
        page.expose_function("__reportCspViolation", self._event)
        # Also kept in the page (window.__cspViolations), so a test can wait for one there.
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', function (event) {"
            "  var text = event.violatedDirective + ' ' + event.blockedURI;"
            "  window.__cspViolations.push(text);"
            "  window.__reportCspViolation(text);"
            "});"
        )

    def _event(self, text: str) -> None:
        self.violations.append(f"securitypolicyviolation: {text}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")
