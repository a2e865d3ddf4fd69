"""What shared caches are told: public headers, validators and 304s on shopper-free pages,
``private, no-store`` on everything else (storefront.cache_headers, routing.validators)."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog.signals import catalog_changed
from storefront.http_cache import mark_shopper_free
from storefront.session import MARKET_COOKIE
from tests.routing.helpers import jsonld
from tests.routing.test_product import BLAZER
from tests.shopper_state import choice_cookies

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=0, s-maxage=300, stale-while-revalidate=86400"


def test_robots_and_sitemap_are_public_with_a_validator_and_tags(client) -> None:
    for url, tag in (("/robots.txt", "all"), ("/sitemap.xml", "sitemap")):
        response = client.get(url)

        assert response.status_code == 200
        assert response["Cache-Control"] == PUBLIC
        assert response["ETag"].startswith('W/"')
        assert tag in response["Surrogate-Key"].split()
        assert not response.cookies
        assert "cookie" not in response.get("Vary", "").lower()


def test_the_settings_name_the_lifetimes(client, settings) -> None:
    settings.HTTP_CACHE_SECONDS = 30
    settings.HTTP_CACHE_STALE_SECONDS = 5

    cache_control = client.get("/robots.txt")["Cache-Control"]

    assert cache_control == "public, max-age=0, s-maxage=30, stale-while-revalidate=5"


def test_no_http_cache_makes_every_page_private(client, settings) -> None:
    settings.HTTP_CACHE_SECONDS = 0

    response = client.get("/robots.txt")

    assert response["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in response


def test_a_conditional_request_is_answered_304_without_a_query(
    client, django_assert_num_queries
) -> None:
    etag = client.get("/sitemap.xml")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == PUBLIC
    # A proxy revalidating merges these headers into the page it keeps: its tags stay whole.
    assert "Surrogate-Key" not in response


def test_the_validator_changes_with_the_catalog_the_market_and_the_release(
    client, settings
) -> None:
    first = client.get("/sitemap.xml")["ETag"]
    assert client.get("/sitemap.xml")["ETag"] == first

    catalog_changed.send(sender=None, run=None, product_ids=frozenset({101}), kinds=frozenset())
    after_change = client.get("/sitemap.xml")["ETag"]
    client.cookies[MARKET_COOKIE] = "US"
    other_market = client.get("/sitemap.xml")["ETag"]
    settings.RELEASE = "next"
    next_release = client.get("/sitemap.xml")["ETag"]

    assert len({first, after_change, other_market, next_release}) == 4
    stale = client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=first)
    assert stale.status_code == 200


def test_private_pages_are_never_shared(client) -> None:
    for url in ("/cart/", "/checkout/", "/account/sign-in", "/account/", "/healthz"):
        cache_control = client.get(url)["Cache-Control"]

        assert "private" in cache_control, url
        assert "no-store" in cache_control, url
        assert "public" not in cache_control, url


def test_posts_are_never_shared(client) -> None:
    response = client.post("/robots.txt")

    assert response.status_code == 405
    assert response["Cache-Control"] == "private, no-store"


# -- the safety net: a page marked shopper-free that is not ------------------------------------


def _leaky(request: HttpRequest) -> HttpResponse:
    mark_shopper_free(request)
    response = HttpResponse("hello")
    response.set_cookie("someone", "1")
    return response


def _varying(request: HttpRequest) -> HttpResponse:
    mark_shopper_free(request)
    response = HttpResponse("hello")
    response["Vary"] = "Cookie"
    return response


urlpatterns = [path("leaky", _leaky), path("varying", _varying)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_shopper_free_page_that_sets_a_cookie_or_varies_by_it_is_kept_private(
    client, caplog
) -> None:
    for url in ("/leaky", "/varying"):
        response = client.get(url)

        assert response["Cache-Control"] == "private, no-store", url
        assert "Surrogate-Key" not in response
    assert "set a cookie or varies by cookie" in caplog.text


def test_search_suggestions_are_shared_per_market(client) -> None:
    response = client.get("/search/suggestions?q=jac")

    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert "search" in response["Surrogate-Key"].split()
    assert (
        client.get("/search/suggestions?q=jac", HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


# -- the cache key: the market cookie decides the prices, nothing else does --------------------


def _offer(client, **cookies: str) -> tuple[str, str]:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get(BLAZER)
    offer = jsonld(response.content.decode())[0]["offers"]
    return offer["priceCurrency"], response["ETag"]


def test_two_markets_on_one_url_see_their_own_prices_and_validators(client) -> None:
    germany, germany_etag = _offer(client, **{MARKET_COOKIE: "DE"})
    usa, usa_etag = _offer(client, **{MARKET_COOKIE: "US"})
    again, again_etag = _offer(client, **{MARKET_COOKIE: "DE"})

    assert (germany, usa, again) == ("EUR", "USD", "EUR")
    assert germany_etag == again_etag != usa_etag


def test_the_signed_shopper_cookie_cannot_change_a_pages_prices(client) -> None:
    # A cache keys only on the market cookie: whatever else the browser holds, the page for
    # that key must be the same.
    signed_says_germany = choice_cookies({"country": "DE", "language": "en"})
    del signed_says_germany[MARKET_COOKIE]

    mixed, _ = _offer(client, **signed_says_germany, **{MARKET_COOKIE: "US"})
    plain, _ = _offer(client)
    signed_only, _ = _offer(client, **signed_says_germany)

    assert mixed == "USD"
    assert signed_only == plain  # no market cookie: the store's default, whatever is signed


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Cookies reach Django as ISO-8859-1 bytes.
@given(value=st.text(st.characters(max_codepoint=255), max_size=40))
def test_any_market_cookie_gives_a_page(client, value: str) -> None:
    client.cookies[MARKET_COOKIE] = value.replace("\x00", "")

    response = client.get(BLAZER)

    assert response.status_code == 200
    assert jsonld(response.content.decode())[0]["offers"]["priceCurrency"] in {"EUR", "USD", "SEK"}
