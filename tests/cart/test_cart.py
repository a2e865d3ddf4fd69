"""The cart: adding from the product page, the cart page and its changes, with Centra's calls
counted. The cart is the test's own sandbox's selection."""

from __future__ import annotations

import pytest

from cart.models import PaymentAttempt
from catalog.models import Item, Product, ProductMarket, ProductPrice
from centra_sandbox import Sandbox
from tests.cart.helpers import (
    add,
    buyable_items,
    centra_state,
    messages_of,
    post,
    product_url,
)
from tests.shopper_state import cart_count, choices, page_state, set_shopper_cookie

pytestmark = pytest.mark.django_db

ADD = "POST items/{item}/quantity/{quantity}"
PLACE = "PUT selection"
GET = "GET selection"


# -- adding -------------------------------------------------------------------------------------


def test_the_first_add_places_a_selection_then_each_add_is_one_call(
    client, centra_sandbox: Sandbox
) -> None:
    first, second = buyable_items(2)

    response = add(client, first, follow=False)

    # Without JavaScript the shopper lands on the cart page: the product page may be a cached
    # copy, which cannot show their message and count.
    assert (response.status_code, response["Location"]) == (302, "/cart/")
    assert dict(centra_sandbox.request_counts) == {PLACE: 1, ADD: 1, "*": 2}
    assert cart_count(client) == 1
    assert messages_of(client.get(response["Location"])) == [
        f"Added {first.product.texts.get(language_id='en').name} to your cart."
    ]

    centra_sandbox.request_counts.clear()
    add(client, second, 2, follow=False)

    assert dict(centra_sandbox.request_counts) == {ADD: 1, "*": 1}
    assert cart_count(client) == 3


def test_a_new_selection_is_placed_in_the_shoppers_country(client, centra_sandbox) -> None:
    [item] = buyable_items(1, market=1, pricelist=2)
    set_shopper_cookie(client, choices={"country": "DE", "state": None, "language": "en"})

    add(client, item)

    answer = client.get("/cart/")
    assert answer.status_code == 200
    cart = answer.context["cart"]
    assert cart.currency == "EUR"
    assert choices(client)["country"] == "DE"
    # Germany: the European market (shared with Sweden) and the euro pricelist.
    assert (choices(client)["market"], choices(client)["pricelist"]) == (1, 2)


def test_adding_needs_a_size(client, centra_sandbox) -> None:
    [item] = buyable_items(1)

    response = client.post("/cart/add", {"quantity": 1, "next": product_url(item)}, follow=True)

    assert response.redirect_chain == [("/cart/", 302)]
    assert messages_of(response) == ["Please choose a size."]
    assert centra_sandbox.request_counts["*"] == 0


def test_a_sold_out_size_is_refused_without_asking_centra(client, centra_sandbox) -> None:
    sold_out = (
        Item.objects.filter(
            stock_state="out_of_stock",
            product__market_links__market_id=1,
            product__prices__pricelist_id=1,
        )
        .select_related("product")
        .first()
    )
    assert sold_out is not None, "the demo has sold-out sizes"

    response = add(client, sold_out)

    assert "sold out" in messages_of(response)[0]
    assert centra_sandbox.request_counts["*"] == 0
    assert "token" not in centra_state(client)


def test_a_product_without_a_price_here_cannot_be_bought(client, centra_sandbox) -> None:
    priced = ProductPrice.objects.filter(pricelist_id=1).values("product_id")
    unpriced = (
        Item.objects.filter(product__market_links__market_id=1, stock_state="in_stock")
        .exclude(product_id__in=priced)
        .first()
    )
    if unpriced is None:  # make one: the rule, not the demo's draw, is under test
        [unpriced] = buyable_items(1)
        ProductPrice.objects.filter(product_id=unpriced.product_id, pricelist_id=1).delete()

    response = add(client, unpriced)

    assert messages_of(response)[0].endswith("cannot be bought in your country.")
    assert centra_sandbox.request_counts["*"] == 0
    page = client.get(product_url(unpriced))
    assert "This product cannot be bought in your country." in page.content.decode()
    assert 'id="add-to-cart"' not in page.content.decode()


def test_an_item_of_a_product_not_sold_in_the_market_is_refused(client, centra_sandbox) -> None:
    sold_in_sweden = ProductMarket.objects.filter(market_id=1).values("product_id")
    elsewhere = Item.objects.exclude(product_id__in=sold_in_sweden).first()
    assert elsewhere is not None, "the demo has market-limited products"

    response = add(client, elsewhere, next="/cart/")

    assert messages_of(response) == ["That size is not sold here. Please choose another."]
    assert centra_sandbox.request_counts["*"] == 0


def test_quantity_rules_of_the_product_are_kept(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    Product.objects.filter(pk=item.product_id).update(
        item_quantity_minimum=2, item_quantity_multiple_of=2
    )

    assert messages_of(add(client, item, 1)) == ["Please choose at least 2."]
    assert messages_of(add(client, item, 3)) == ["This product is sold in multiples of 2."]
    assert centra_sandbox.request_counts["*"] == 0

    add(client, item, 4)
    assert cart_count(client) == 4
    form = client.get(product_url(item)).content.decode()
    assert 'min="2" step="2"' in form
    assert "Sold in multiples of 2, at least 2." in form


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "2.5", "x", "", "1e3"])
def test_a_quantity_out_of_bounds_is_refused(client, centra_sandbox, quantity: str) -> None:
    [item] = buyable_items(1)

    response = add(client, item, quantity)

    assert len(messages_of(response)) == 1
    assert centra_sandbox.request_counts["*"] == 0


def test_the_mini_cart_gets_json_and_the_header_count(client, centra_sandbox) -> None:
    [item] = buyable_items(1)

    response = client.post(
        "/cart/add", {"item": item.id, "quantity": 2}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["count"]) == (True, 2)
    assert body["messages"][0]["level"] == "info"
    refused = client.post("/cart/add", {"quantity": 1}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json() == {
        "ok": False,
        "count": 2,
        "messages": [{"level": "error", "text": "Please choose a size."}],
    }
    # The product page may be a cached copy: its script asks for the count; the cart page
    # (private) shows it itself.
    state = page_state(client.get(product_url(item)))
    assert (state["count"], state["count_label"]) == (2, "2 items")
    header = client.get("/cart/").content.decode()
    assert '<span class="cart-count" data-cart-count aria-label="2 items">2</span>' in header


# -- the cart page ------------------------------------------------------------------------------


def test_the_cart_page_is_one_call_and_shows_lines_and_totals(client, centra_sandbox) -> None:
    first, second = buyable_items(2)
    add(client, first, 2)
    add(client, second)
    centra_sandbox.request_counts.clear()

    response = client.get("/cart/")

    assert dict(centra_sandbox.request_counts) == {GET: 1, "*": 1}
    assert response["Cache-Control"].startswith("max-age=0")
    assert "private" in response["Cache-Control"]
    cart = response.context["cart"]
    assert [(line.item, line.quantity) for line in cart.lines] == [(first.id, 2), (second.id, 1)]
    line = cart.lines[0]
    assert line.name == first.product.texts.get(language_id="en").name
    assert line.size == first.name
    assert line.variant == first.product.variant_name
    assert line.url == product_url(first)
    assert cart.totals.quantity == 3
    html = response.content.decode()
    assert line.price_each in html
    assert cart.totals.grand_total in html
    assert "Including tax" in html


def test_no_selection_means_an_empty_cart_and_no_call(client, centra_sandbox) -> None:
    response = client.get("/cart/")

    assert response.status_code == 200
    assert response.context["cart"].empty
    assert "Your cart is empty." in response.content.decode()
    assert centra_sandbox.request_counts["*"] == 0


def test_the_cart_is_served_under_every_language_prefix(client) -> None:
    assert client.get("/sv/cart/").status_code == 200
    assert client.get("/cart")["Location"] == "/cart/"
    assert client.get("/sv/cart")["Location"] == "/sv/cart/"


def test_plus_minus_and_remove_are_one_call_each(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    add(client, item)
    [line] = client.get("/cart/").context["cart"].lines

    for quantity, expected in ((3, 3), (2, 2)):
        centra_sandbox.request_counts.clear()
        client.post(f"/cart/lines/{line.line}/quantity", {"quantity": quantity})
        assert centra_sandbox.request_counts["*"] == 1
        assert cart_count(client) == expected

    centra_sandbox.request_counts.clear()
    response = client.post(f"/cart/lines/{line.line}/remove")
    assert response["Location"] == "/cart/"
    assert centra_sandbox.request_counts["*"] == 1
    assert cart_count(client) == 0
    assert client.get("/cart/").context["cart"].empty


def test_changing_the_size_keeps_the_quantity_in_one_call(client, centra_sandbox) -> None:
    item = (
        Item.objects.filter(
            stock_state="in_stock",
            product__market_links__market_id=1,
            product__prices__pricelist_id=1,
        )
        .exclude(position=0)
        .select_related("product")
        .first()
    )
    other = (
        Item.objects.filter(product_id=item.product_id, stock_state="in_stock")
        .exclude(pk=item.pk)
        .first()
    )
    add(client, item, 3)
    [line] = client.get("/cart/").context["cart"].lines
    centra_sandbox.request_counts.clear()

    client.post(f"/cart/lines/{line.line}/size", {"item": other.id, "quantity": 3})

    assert dict(centra_sandbox.request_counts) == {"PUT items": 1, "*": 1}
    [changed] = client.get("/cart/").context["cart"].lines
    assert (changed.item, changed.quantity) == (other.id, 3)


@pytest.mark.parametrize("code", ["WELCOME10", "TEST+CODE"])
def test_vouchers_apply_and_come_off(client, centra_sandbox, code: str) -> None:
    [item] = buyable_items(1)
    add(client, item)
    before = client.get("/cart/").context["cart"].totals

    applied = post(client, "/cart/vouchers", {"voucher": f"  {code} "})
    cart = client.get("/cart/").context["cart"]

    assert messages_of(applied) == [f"Voucher {code} applied."]
    assert [v.code for v in cart.vouchers] == [code]
    assert cart.totals.discount is not None
    assert cart.totals.grand_total != before.grand_total

    client.post("/cart/vouchers/remove", {"voucher": code})
    cart = client.get("/cart/").context["cart"]
    assert cart.vouchers == ()
    assert cart.totals.grand_total == before.grand_total


def test_an_unknown_voucher_is_told_and_changes_nothing(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    add(client, item)

    response = post(client, "/cart/vouchers", {"voucher": "NOPE/../x"})

    assert messages_of(response) == ["That voucher code is not valid."]
    assert client.get("/cart/").context["cart"].vouchers == ()


# -- tokens, payments in progress, Centra down --------------------------------------------------


def test_a_cart_whose_selection_expired_starts_again_with_a_message(client, centra_sandbox) -> None:
    session = client.session
    session["centra"] = {"token": "expired-token-of-an-old-cart"}
    session.save()
    set_shopper_cookie(client, count=2)

    response = client.get("/cart/")

    assert response.status_code == 200
    assert response.context["cart"].empty
    assert messages_of(response) == ["Your cart had expired, so it started again empty."]
    state = centra_state(client)
    assert state["token"] != "expired-token-of-an-old-cart"
    assert cart_count(client) == 0


def test_a_replaced_token_is_adopted_and_the_cart_kept(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    add(client, item)
    old = centra_state(client)["token"]
    # Centra answers with another token for the same selection (as it may when it rotates).
    centra_sandbox.store.db.execute(
        "UPDATE sessions SET token = ? WHERE token = ?", ("t2" * 16, old)
    )
    session = client.session
    session["centra"]["token"] = "t2" * 16
    session.save()

    cart = client.get("/cart/").context["cart"]

    assert [line.item for line in cart.lines] == [item.id]
    assert centra_state(client)["token"] == "t2" * 16


def test_the_cart_cannot_change_while_a_payment_is_being_confirmed(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    add(client, item)
    token = centra_state(client)["token"]
    PaymentAttempt.objects.create(
        token=token, payment_method="sandbox-redirect", status=PaymentAttempt.Status.PROCESSING
    )
    centra_sandbox.request_counts.clear()

    response = add(client, item, follow=False)

    assert centra_sandbox.request_counts["*"] == 0
    assert cart_count(client) == 1
    assert messages_of(client.get(response["Location"])) == [
        "Your payment is being confirmed. Your cart cannot change just now."
    ]


def test_centra_down_gives_a_friendly_page_and_keeps_the_cart(client, centra_sandbox) -> None:
    [item] = buyable_items(1)
    add(client, item)
    token = centra_state(client)["token"]
    centra_sandbox.faults.down = "refuse"

    page = client.get("/cart/")
    refused = add(client, item)

    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "Nothing is lost" in page.content.decode()
    assert messages_of(refused) == [
        "We could not reach your cart just now. Please try again in a moment."
    ]
    assert centra_state(client)["token"] == token
    centra_sandbox.faults.down = None
    assert [line.item for line in client.get("/cart/").context["cart"].lines] == [item.id]


def test_catalog_pages_stay_cached_and_free_of_centra_calls_with_a_cart(
    client, centra_sandbox
) -> None:
    [item] = buyable_items(1)
    add(client, item)
    pages = ["/womens", product_url(item), "/search?q=jeans"]
    for url in pages:
        client.get(url)  # warm the page cache
    centra_sandbox.request_counts.clear()

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        # The same bytes as for any shopper; the page's script fills the badge in.
        assert '<span class="cart-count" data-cart-count></span>' in response.content.decode()
        assert (page_state(response)["count"], page_state(response)["count_label"]) == (
            1,
            "1 item",
        )

    assert centra_sandbox.request_counts["*"] == 0


def test_a_country_change_that_drops_an_item_says_so(client, centra_sandbox) -> None:
    us_market = 2
    only_in_europe = (
        Item.objects.filter(stock_state="in_stock", product__prices__pricelist_id=1)
        .filter(product__market_links__market_id=1)
        .exclude(product__market_links__market_id=us_market)
        .select_related("product", "product__category")
        .first()
    )
    [everywhere] = [
        item
        for item in buyable_items(30)
        if ProductMarket.objects.filter(product_id=item.product_id, market_id=us_market).exists()
    ][:1]
    add(client, only_in_europe)
    add(client, everywhere)

    response = client.post(
        "/shopper/location", {"country": "US", "language": "en", "next": "/cart/"}, follow=True
    )

    assert messages_of(response) == ["1 item left your cart: it is not sold in your new country."]
    assert [line.item for line in response.context["cart"].lines] == [everywhere.id]
    assert cart_count(client) == 1


def test_a_shopper_with_a_cart_gets_catalog_pages_without_a_session_read(
    client, centra_sandbox, django_assert_num_queries
) -> None:
    [item] = buyable_items(1)
    add(client, item)
    pages = ["/womens", product_url(item), "/search?q=jeans"]
    for url in pages:
        client.get(url)  # warm the page cache and the reference data

    # The header's count and the shopper's choices come from the signed shopper cookie.
    with django_assert_num_queries(0):
        for url in pages:
            assert client.get(url).status_code == 200
