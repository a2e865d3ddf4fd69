"""A shopper buys in a real browser: a product page, a size, "Add to cart", the cart, the
checkout, each of the sandbox's payment methods, and the receipt, with exactly one order in the
test's own sandbox (Centra). Also: a declined payment and a retry, vouchers, a country change
that drops an item, the return page hit again and twice at once, the checkout without
JavaScript, and the shared secret nowhere the browser or the logs can see it."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.core.signals import request_finished, request_started
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from cart.models import PaymentAttempt
from catalog.models import Item, ProductMarket
from centra_sandbox import Sandbox
from tests.cart.helpers import buyable_items
from tests.e2e.shopper import (
    APPROVED_CARD,
    DECLINED_CARD,
    CspWatch,
    OneAtATime,
    Recorder,
    Tap,
    add_to_cart,
    approve,
    at_checkout,
    fill_checkout,
    grand_total,
    money,
    order_numbers,
    orders,
    pay,
    redirect_chain,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("synced_catalog", "one_request_at_a_time"),
]

RECEIPT = re.compile(r"/checkout/receipt/[0-9a-f-]{36}/$")
FAILED = re.compile(r"/checkout/payment/[0-9a-f-]{36}/failed(\?|$)")
RETURN = re.compile(r"/checkout/payment/[0-9a-f-]{36}/return(\?|$)")
HOSTED = re.compile(r"/sandbox/payment/[^/]+$")
PAYMENT_PAGE = re.compile(r"/checkout/payment/[0-9a-f-]{36}/$")
PAGES = {
    "checkout": re.compile(r"/checkout/$"),
    "approve": re.compile(r"/sandbox/payment/[^/]+/approve$"),
    "hosted": HOSTED,
    "payment": PAYMENT_PAGE,
    "return": RETURN,
    "failed": FAILED,
    "receipt": RECEIPT,
}
NORTH_AMERICA = 2
# Two fetches of one URL at once: a double submit. "no-store": Chromium's HTTP cache would
# otherwise hold the second GET of a URL back until the first is answered.
FETCH_TWICE = """url => Promise.all([1, 2].map(() => fetch(url, {cache: "no-store"}).then(
    async response => ({status: response.status, url: response.url,
                        text: await response.text()}))))"""


@pytest.fixture
def no_js_page(browser, live_server) -> Iterator[Page]:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    yield context.new_page()
    context.close()


def pages_of(urls: list[str]) -> list[str]:
    """Which page of the checkout each URL is (the URL itself when none)."""
    return [next((name for name, page in PAGES.items() if page.search(url)), url) for url in urls]


def expect_receipt(page: Page, sandbox: Sandbox) -> str:
    """The page is the receipt of the sandbox's one order: its number."""
    page.wait_for_url(RECEIPT)
    expect(page.locator("h1")).to_have_text("Thank you for your order")
    [number] = order_numbers(sandbox)
    expect(page.locator(".receipt-number")).to_contain_text(f"Order number {number}")
    # The selection is an order now: the header's cart is empty again.
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    return number


# -- every payment method, with JavaScript ------------------------------------------------------


def test_redirect_approved_from_the_product_page_to_the_receipt(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)

    name = add_to_cart(page, live_server.url, item)

    page.locator(".cart-link").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line-name")).to_have_text(name)
    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    fill_checkout(page, "sandbox-redirect")
    total = grand_total(page)
    pay(page)
    page.wait_for_url(HOSTED)
    assert money(page.locator("#amount").inner_text()) == total
    assert orders(centra_sandbox) == 0
    approve(page)

    number = expect_receipt(page, centra_sandbox)
    expect(page.locator(".receipt-lines .cart-line-name")).to_have_text(name)
    expect(page.locator(".receipt-methods")).to_contain_text("Card (sandbox redirect)")
    expect(page.locator(".receipt-addresses")).to_contain_text("Storgatan 1")
    assert number == "1001"
    assert orders(centra_sandbox) == 1
    page.locator(".cart-link").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    expect(page.locator(".cart-empty")).to_be_visible()


def test_a_declined_payment_keeps_the_cart_and_paying_again_succeeds(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    name = at_checkout(page, live_server.url, "sandbox-redirect")
    pay(page)
    page.wait_for_url(HOSTED)

    page.get_by_role("button", name="Decline payment").click()

    page.wait_for_url(FAILED)
    expect(page.locator("h1")).to_have_text("Your payment did not go through")
    expect(page.locator(".notice")).to_contain_text("Nothing was charged.")
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    assert orders(centra_sandbox) == 0
    page.get_by_role("link", name="Back to checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    # The cart is intact, and what was typed is kept in Centra.
    expect(page.locator(".summary-lines li")).to_have_count(1)
    expect(page.locator(".summary-lines li")).to_contain_text(name)
    expect(page.locator('[name="address.email"]')).to_have_value("ada@example.com")
    fill_checkout(page, "sandbox-redirect")
    pay(page)
    page.wait_for_url(HOSTED)
    approve(page)

    expect_receipt(page, centra_sandbox)
    assert orders(centra_sandbox) == 1
    assert list(PaymentAttempt.objects.values_list("status", flat=True).order_by("created_at")) == [
        "failed",
        "completed",
    ]


def test_the_form_method_submits_itself_under_its_content_security_policy(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    csp = CspWatch(page)
    at_checkout(page, live_server.url, "sandbox-form")

    returns: list[str] = []
    page.on(
        "request", lambda request: RETURN.search(request.url) and returns.append(request.method)
    )

    with page.expect_response(PAYMENT_PAGE) as shown:
        pay(page)

    step = shown.value
    assert step.status == 200
    script_src = step.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert "'sha256-" in script_src
    assert "'unsafe-inline'" not in script_src
    try:
        page.wait_for_url(RECEIPT, timeout=10_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"the payment form did not submit itself; CSP violations: {csp.violations}")
    # Its own inline script posted it to the return page: nobody pressed anything.
    assert returns == ["POST"]
    expect_receipt(page, centra_sandbox)
    assert orders(centra_sandbox) == 1
    assert csp.violations == []


def test_the_direct_method_goes_to_the_receipt_at_once_even_when_pay_is_pressed_twice(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    at_checkout(page, live_server.url, "sandbox-direct")
    button = page.get_by_role("button", name=re.compile(r"^Pay "))
    payments: list[str] = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and urlsplit(request.url).path == "/checkout/"
            and payments.append(request.url)
        ),
    )
    # Centra is slow to answer, and the shopper presses Pay again while they wait.
    centra_sandbox.faults.latency_ms = 150

    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_navigation() as navigation:
        with page.expect_request(lambda request: request.method == "POST"):
            page.mouse.click(x, y)
        page.mouse.click(x, y)  # the mouse does not wait for the page to change

    assert pages_of(redirect_chain(navigation.value)) == ["checkout", "receipt"]
    expect_receipt(page, centra_sandbox)
    expect(page.locator(".receipt-methods")).to_contain_text("Direct (sandbox)")
    # The checkout's script let one submit through: one payment, one order.
    assert len(payments) == 1
    assert centra_sandbox.request_counts["POST payment"] == 1
    assert orders(centra_sandbox) == 1


def test_the_widget_pays_through_its_3d_secure_dialog(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    csp = CspWatch(page)
    at_checkout(page, live_server.url, "sandbox-widget")
    total = grand_total(page)

    pay(page)

    page.wait_for_url(PAYMENT_PAGE)
    widget = page.locator(".sandbox-widget")
    expect(widget).to_be_visible()
    expect(widget.locator(f'input[value="{APPROVED_CARD}"]')).to_be_checked()
    assert money(widget.get_by_role("button").inner_text()) == total
    assert csp.violations == []
    # The page's policy lets the widget's script run, and nothing else.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected") is None
    assert page.evaluate("window.__cspViolations") == ["script-src-elem inline"]
    csp.violations.clear()
    widget.get_by_role("button", name=re.compile(r"^Pay ")).click()
    dialog = page.get_by_role("dialog", name="Sandbox 3-D Secure")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("confirm the payment of")
    assert orders(centra_sandbox) == 0
    dialog.get_by_role("button", name="Authenticate").click()

    expect_receipt(page, centra_sandbox)
    expect(page.locator(".receipt-methods")).to_contain_text("Card (sandbox widget)")
    assert orders(centra_sandbox) == 1
    assert csp.violations == []


def test_a_declined_widget_card_ends_on_the_failed_page_without_an_order(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    at_checkout(page, live_server.url, "sandbox-widget")
    pay(page)
    page.wait_for_url(PAYMENT_PAGE)
    widget = page.locator(".sandbox-widget")

    widget.locator(f'input[value="{DECLINED_CARD}"]').check()
    widget.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_role("dialog", name="Sandbox 3-D Secure").get_by_role(
        "button", name="Authenticate"
    ).click()

    page.wait_for_url(FAILED)
    expect(page.locator("h1")).to_have_text("Your payment did not go through")
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    assert orders(centra_sandbox) == 0


# -- vouchers -----------------------------------------------------------------------------------


def apply_voucher(page: Page, code: str) -> None:
    page.get_by_label("Voucher code").fill(code)
    with page.expect_navigation():
        page.locator(".voucher-add").get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text(f"Voucher {code} applied.")


def test_a_100_percent_voucher_and_pickup_make_a_free_order_without_a_provider(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    [item] = buyable_items(1)
    add_to_cart(page, live_server.url, item)
    page.goto(live_server.url + "/cart/")
    apply_voucher(page, "FREE100")
    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    assert grand_total(page) > 0  # standard delivery still costs

    fill_checkout(page, "sandbox-redirect", delivery="pickup")

    assert grand_total(page) == 0
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_have_text(
        re.compile(r"^Pay 0\.00")
    )
    with page.expect_navigation() as navigation:
        pay(page)
    # No payment page at all: from the checkout straight to the receipt.
    assert pages_of(redirect_chain(navigation.value)) == ["checkout", "receipt"]
    expect_receipt(page, centra_sandbox)
    assert grand_total(page) == 0
    expect(page.locator(".receipt-methods")).to_contain_text("Pick up in store")
    assert orders(centra_sandbox) == 1


def test_vouchers_apply_and_come_off_on_the_cart_page(page: Page, live_server) -> None:
    [item] = buyable_items(1)
    add_to_cart(page, live_server.url, item)
    page.goto(live_server.url + "/cart/")
    before = grand_total(page)
    expect(page.locator(".totals-discount")).to_have_count(0)

    for code, percent in (("WELCOME10", 10), ("TEST+CODE", 15)):
        items = money(page.locator(".totals dt:text-is('Items') + dd").inner_text())
        apply_voucher(page, code)

        expect(page.locator(".voucher-code")).to_have_text(code)
        discount = abs(money(page.locator(".totals-discount dd").inner_text()))
        assert discount == (items * percent / 100).quantize(discount)
        assert grand_total(page) == before - discount

        with page.expect_navigation():
            page.locator(".voucher").get_by_role("button", name="Remove").click()
        expect(page.locator(".voucher-code")).to_have_count(0)
        expect(page.locator(".totals-discount")).to_have_count(0)
        assert grand_total(page) == before


# -- the shopper's country ------------------------------------------------------------------------


def test_a_country_change_drops_an_item_not_sold_there_and_says_so(page: Page, live_server) -> None:
    only_in_europe = (
        Item.objects.filter(stock_state="in_stock", product__prices__pricelist_id=1)
        .filter(product__market_links__market_id=1)
        .exclude(product__market_links__market_id=NORTH_AMERICA)
        .select_related("product", "product__category")
        .first()
    )
    assert only_in_europe is not None
    [everywhere] = [
        item
        for item in buyable_items(30)
        if ProductMarket.objects.filter(
            product_id=item.product_id, market_id=NORTH_AMERICA
        ).exists()
    ][:1]
    add_to_cart(page, live_server.url, only_in_europe)
    kept = add_to_cart(page, live_server.url, everywhere)
    page.goto(live_server.url + "/cart/")
    expect(page.locator(".cart-line")).to_have_count(2)

    # The footer's country/language form (the header's is behind its compact control).
    page.select_option("#footer-switcher-country", "US")
    with page.expect_navigation():
        page.locator(".site-footer form.switcher").get_by_role("button", name="Update").click()

    page.wait_for_url(re.compile(r"/cart/$"))
    expect(page.locator(".messages")).to_have_text(
        "1 item left your cart: it is not sold in your new country."
    )
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator(".cart-line-name")).to_have_text(kept)
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    expect(page.locator(".totals-grand dd")).to_contain_text("$")


# -- the return page, again and at once ---------------------------------------------------------


def test_the_return_page_reloaded_and_sent_twice_at_once_shows_one_receipt(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    at_checkout(page, live_server.url, "sandbox-redirect")
    pay(page)
    page.wait_for_url(HOSTED)
    landed = approve(page)
    assert landed is not None
    chain = redirect_chain(landed)
    # The hosted page sent the browser to the return page, which sent it on to the receipt.
    assert pages_of(chain) == ["approve", "return", "receipt"]
    return_url, receipt_url = chain[1], chain[2]
    number = expect_receipt(page, centra_sandbox)

    again = page.goto(return_url)  # a refresh of the return page

    assert again is not None
    assert again.status == 200
    assert page.url == receipt_url
    expect(page.locator(".receipt-number")).to_contain_text(f"Order number {number}")
    answers = page.evaluate(FETCH_TWICE, return_url)
    assert [(a["status"], a["url"]) for a in answers] == [(200, receipt_url)] * 2
    assert all(f"Order number {number}" in a["text"] for a in answers)
    assert orders(centra_sandbox) == 1
    assert centra_sandbox.request_counts["POST payment-result"] == 1


@contextmanager
def first_hit_held_until_another_is_answered(
    server: OneAtATime, sandbox: Sandbox, path: str
) -> Iterator[None]:
    """The hit of the return page that calls ``payment-result`` waits there until another hit of
    the same page has been answered (10 s at most), so two hits overlap for certain."""
    answered = threading.Event()
    hits: set[int] = set()
    holder: list[int] = []

    def started(sender: object, environ: dict, **kwargs: object) -> None:
        if environ.get("PATH_INFO") == path:
            hits.add(threading.get_ident())

    def finished(sender: object, **kwargs: object) -> None:
        me = threading.get_ident()
        if me in hits and me not in holder:
            answered.set()

    def hold(route: str, calls: int) -> None:
        if route == "POST payment-result" and calls == 1:
            holder.append(threading.get_ident())
            with server.let_others_in():
                answered.wait(timeout=10)

    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)
    sandbox.call_hooks.append(hold)
    try:
        yield
    finally:
        sandbox.call_hooks.remove(hold)
        request_started.disconnect(started)
        request_finished.disconnect(finished)


def test_two_first_hits_of_the_return_page_at_once_make_one_order(
    page: Page, live_server, centra_sandbox: Sandbox, one_request_at_a_time: OneAtATime
) -> None:
    at_checkout(page, live_server.url, "sandbox-redirect")
    pay(page)
    page.wait_for_url(HOSTED)
    # Approve, but keep the browser from following the way back: the test takes the URL.
    way_back: list[str] = []

    def hold_the_redirect(route) -> None:
        answer = route.fetch(max_redirects=0)
        way_back.append(answer.headers["location"])
        route.fulfill(status=200, content_type="text/html", body="<title>Approved</title>")

    page.route(re.compile(r"/sandbox/payment/[^/]+/approve$"), hold_the_redirect)
    page.get_by_role("button", name="Approve payment").click()
    expect(page).to_have_title("Approved")
    [return_url] = way_back
    assert RETURN.search(return_url)
    assert orders(centra_sandbox) == 0

    with first_hit_held_until_another_is_answered(
        one_request_at_a_time, centra_sandbox, urlsplit(return_url).path
    ):
        answers = page.evaluate(FETCH_TWICE, return_url)

    # One hit confirmed the payment and went on to the receipt; the other, arriving meanwhile,
    # was asked to wait, by a page that looks again by itself.
    [done] = [a for a in answers if RECEIPT.search(a["url"])]
    [waiting] = [a for a in answers if a is not done]
    assert done["status"] == 200
    assert "Thank you for your order" in done["text"]
    assert (waiting["status"], waiting["url"]) == (200, return_url)
    assert "Confirming your payment" in waiting["text"]
    assert 'http-equiv="refresh"' in waiting["text"]
    page.goto(return_url)  # what that page does by itself two seconds later
    assert page.url == done["url"]
    number = expect_receipt(page, centra_sandbox)
    assert f"Order number {number}" in done["text"]
    assert orders(centra_sandbox) == 1
    assert centra_sandbox.request_counts["POST payment-result"] == 1


def test_centra_unreachable_as_the_form_posts_back_the_page_looks_again_and_finds_the_order(
    page: Page, live_server, centra_sandbox: Sandbox
) -> None:
    at_checkout(page, live_server.url, "sandbox-form")
    # The provider approved and posts back, but Centra does not answer that once.
    centra_sandbox.faults.errors.append(
        {"route": "POST payment-result", "status": 503, "remaining": 1}
    )

    pay(page)

    expect(page.locator("h1")).to_have_text("Confirming your payment…")
    assert orders(centra_sandbox) == 0
    # The page looks again by itself (a refresh, a GET) and must still carry what was posted.
    page.wait_for_url(re.compile(f"{RECEIPT.pattern}|{FAILED.pattern}"))
    assert RECEIPT.search(page.url), page.locator("main").inner_text()
    expect_receipt(page, centra_sandbox)
    assert orders(centra_sandbox) == 1
    assert centra_sandbox.request_counts["POST payment-result"] == 2


# -- without JavaScript ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sandbox-redirect", "sandbox-form", "sandbox-direct"])
def test_the_checkout_works_without_javascript(
    no_js_page: Page, live_server, centra_sandbox: Sandbox, method: str
) -> None:
    page = no_js_page
    [item] = buyable_items(1)
    add_to_cart(page, live_server.url, item, js=False)
    page.locator(".cart-link").click()
    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    standard = grand_total(page)
    dearer = money(page.locator('label[for="shipping-express"] .choice-price').inner_text())
    cheaper = money(page.locator('label[for="shipping-standard"] .choice-price').inner_text())

    # "Update delivery and totals" shows the express delivery's total, keeping what was typed.
    fill_checkout(page, method, delivery="express", js=False)

    assert grand_total(page) == standard + dearer - cheaper
    pay(page)
    if method == "sandbox-redirect":
        page.wait_for_url(HOSTED)
        approve(page)
    elif method == "sandbox-form":
        page.wait_for_url(PAYMENT_PAGE)
        # No script runs: the form's <noscript> button, and a hint to press it, show instead.
        hint = page.locator(".payment-step noscript p")
        assert "press the button above" in hint.inner_text()
        button = page.locator('.payment-form input[type="submit"]')
        expect(button).to_be_visible()
        button.click()
    number = expect_receipt(page, centra_sandbox)
    expect(page.locator(".receipt-methods")).to_contain_text("Express delivery")
    assert number
    assert orders(centra_sandbox) == 1


# -- the shared secret ----------------------------------------------------------------------------


def test_the_shared_secret_reaches_no_page_url_or_log_line(
    page: Page,
    live_server,
    centra_sandbox: Sandbox,
    one_request_at_a_time: OneAtATime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    secret = centra_sandbox.config.shared_secret
    assert len(secret) >= 16
    # What the browser sees, and (for pages that move on before their body can be read) what
    # the server sent it.
    seen = Recorder()
    page.context.on("request", seen.on_request)
    page.context.on("response", seen.on_response)
    sent = Tap(one_request_at_a_time.app)
    one_request_at_a_time.app = sent
    methods = ("sandbox-redirect", "sandbox-form", "sandbox-widget", "sandbox-direct")

    for item, method in zip(buyable_items(len(methods)), methods, strict=True):
        add_to_cart(page, live_server.url, item)
        page.goto(live_server.url + "/checkout/")
        fill_checkout(page, method)
        pay(page)
        if method == "sandbox-redirect":
            page.wait_for_url(HOSTED)
            approve(page)
        elif method == "sandbox-widget":
            page.wait_for_url(PAYMENT_PAGE)
            page.locator(".sandbox-widget").get_by_role("button").click()
            page.get_by_role("dialog").get_by_role("button", name="Authenticate").click()
        page.wait_for_url(RECEIPT)
    assert orders(centra_sandbox) == len(methods)

    # What was watched is everything: the hosted page, the self-submitting form, the widget
    # and its 3-D Secure step, signed return URLs, the receipts, and the calls to Centra.
    browser_saw = "\n".join(seen.texts)
    server_sent = "\n".join(sent.answers)
    assert "Sandbox payment" in browser_saw
    assert "centra_checkout_payment_callback" in server_sent
    assert "Sandbox 3-D Secure" in server_sent
    assert ".submit();</script>" in server_sent
    assert server_sent.count("Thank you for your order") >= len(methods)
    assert sum(bool(RETURN.search(url)) and "signature=" in url for url in seen.urls) >= 2
    logged = [record.getMessage() for record in caplog.records]
    assert any("centra POST payment " in line for line in logged), logged
    assert any("centra POST payment-result " in line for line in logged), logged
    # And the secret is in none of it.
    assert [text[:200] for text in seen.texts if secret in text] == []
    assert [text[:200] for text in sent.answers if secret in text] == []
    assert [url for url in seen.urls if secret in url] == []
    assert [line for line in logged if secret in line] == []
    assert secret not in caplog.text
