"""The shop behind the real proxy: Varnish with the shipped VCL (deploy/varnish/default.vcl) in
front of gunicorn on PostgreSQL, with the sandbox as Centra sending signed webhooks and a real
Celery worker that purges the proxy after a sync (``HTTP_CACHE_PURGE_URLS``).

What the proxy must get right (docs/http-cache.md): public pages are stored and served again,
private pages never are, a preview browser is always passed to the application, one URL holds
one page per ``shop_market`` cookie, and a purge by tag serves the stale page while it fetches
the new one. Each test uses pages no other test requests, so the order they run in does not
matter; ``X-Cache`` says what the proxy did, gunicorn's access log what reached the application.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.live_stack import Stack, answers, running_stack
from tests.processes import start, stop, wait_until
from tests.services import free_port, require_varnishd, throwaway_postgres_database
from tests.varnish import Varnish, running_varnish

pytestmark = pytest.mark.integration

FRESH_TIMEOUT = 30.0
DEFAULT_COUNTRY = "SE"  # market 1, pricelist 1 (SEK) in the sandbox's demo store
# `<COUNTRY>-<market>-<pricelist>`: Germany (Europe, EUR) and the United States (USD).
EUROPE_EUR = "DE-1-2"
AMERICA_USD = "US-2-3"


@dataclass
class Edge:
    stack: Stack
    proxy: Varnish

    def get(self, path: str, cookie: str = "", **headers: str) -> httpx.Response:
        """``path`` through the proxy, with exactly ``cookie`` as the Cookie header."""
        if cookie:
            headers["Cookie"] = cookie
        return httpx.get(self.proxy.url + path, headers=headers, timeout=30)

    def purge(self, tags: str | None) -> httpx.Response:
        headers = {} if tags is None else {"Surrogate-Key": tags}
        return httpx.request("PURGE", self.proxy.url + "/", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    with throwaway_postgres_database("storefront_edge") as url:
        yield url


@pytest.fixture(scope="module")
def edge(postgres_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    require_varnishd()  # before starting the rest for nothing
    folder = tmp_path_factory.mktemp("edge")
    proxy_port = free_port()
    settings = {"SHOPPER_DEFAULT_COUNTRY": DEFAULT_COUNTRY}
    purge = {"HTTP_CACHE_PURGE_URLS": f"http://127.0.0.1:{proxy_port}"}
    with (
        running_stack(
            postgres_database, folder, settings=settings, running_settings=purge
        ) as stack,
        running_varnish(web_port(stack), folder / "proxy", port=proxy_port) as proxy,
    ):
        yield Edge(stack, proxy)


def web_port(stack: Stack) -> int:
    return int(stack.web_url.rsplit(":", 1)[1])


# -- the catalog, from the shop's own database ---------------------------------------------------


def product_pages(edge: Edge, count: int) -> list[tuple[int, str]]:
    """(product, path) of ``count`` products priced in pricelists 1, 2 and 3 and sold in
    markets 1 and 2, with a size in stock, each with three different price texts; a
    different set for every caller (a random offset would repeat: they are handed out)."""
    rows = edge.stack.query(
        "SELECT p.id, c.uri, p.uri FROM catalog_product p "
        "JOIN catalog_category c ON c.id = p.category_id "
        "WHERE (SELECT COUNT(*) FROM catalog_productmarket pm "
        "       WHERE pm.product_id = p.id AND pm.market_id IN (1, 2)) = 2 "
        "AND (SELECT COUNT(DISTINCT pp.price_text) FROM catalog_productprice pp "
        "     WHERE pp.product_id = p.id AND pp.pricelist_id IN (1, 2, 3)) = 3 "
        "AND EXISTS (SELECT 1 FROM catalog_item i "
        "            WHERE i.product_id = p.id AND i.stock_state = 'in_stock') "
        "ORDER BY p.id"
    )
    taken = _handed_out.setdefault(id(edge), set())
    free = [(pid, f"/{category}/{uri}") for pid, category, uri in rows if pid not in taken]
    assert len(free) >= count, "the demo catalog has too few products sold in both markets"
    chosen = free[:count]
    taken.update(pid for pid, _ in chosen)
    return chosen


_handed_out: dict[int, set[int]] = {}


def price_text(edge: Edge, product_id: int, pricelist_id: int) -> str:
    [(text,)] = edge.stack.query(
        "SELECT price_text FROM catalog_productprice WHERE product_id = %s AND pricelist_id = %s",
        (product_id, pricelist_id),
    )
    return text


def shown_price(page: httpx.Response) -> str:
    """The product's own price on its page (not a related product's)."""
    found = re.search(
        r'id="product-name".*?<span class="price-now[^"]*">([^<]+)</span>', page.text, re.S
    )
    assert found, f"no price on the page:\n{page.text[:3000]}"
    return found[1]


def cache_state(response: httpx.Response) -> str:
    return response.headers.get("X-Cache", "")


def wait_for(condition: object, what: str, edge: Edge, timeout: float = FRESH_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what}\n{edge.stack.log_text('worker.log')}"
        time.sleep(0.1)


# -- public pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["product", "category"])
def test_a_public_page_is_a_miss_then_a_hit_and_reaches_the_application_once(
    edge: Edge, kind: str
) -> None:
    [(_, path)] = product_pages(edge, 1)
    if kind == "category":
        path = path.rsplit("/", 1)[0]

    first = edge.get(path)
    second = edge.get(path)

    assert first.status_code == second.status_code == 200
    assert (cache_state(first), cache_state(second)) == ("MISS", "HIT")
    assert second.text == first.text
    assert second.headers["ETag"] == first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert edge.stack.requests_served(path) == 1
    # The tags are for the proxy alone; the page sets no cookie (it would not be stored).
    for response in (first, second):
        assert "Surrogate-Key" not in response.headers
        assert "xkey" not in response.headers
        assert "Set-Cookie" not in response.headers


def test_a_conditional_request_through_the_proxy_answers_304(edge: Edge) -> None:
    [(_, path)] = product_pages(edge, 1)
    page = edge.get(path)
    etag = page.headers["ETag"]

    same = edge.get(path, **{"If-None-Match": etag})
    other = edge.get(path, **{"If-None-Match": 'W/"something-else"'})

    assert etag.startswith('W/"')
    assert (same.status_code, same.content, same.headers["ETag"]) == (304, b"", etag)
    assert (other.status_code, other.text) == (200, page.text)
    assert edge.stack.requests_served(path) == 1


# -- the cache key: one page per market ----------------------------------------------------------


@pytest.mark.parametrize("first", [EUROPE_EUR, AMERICA_USD])
def test_each_market_sees_its_own_prices_on_the_same_url(edge: Edge, first: str) -> None:
    [(product_id, path)] = product_pages(edge, 1)
    second = AMERICA_USD if first == EUROPE_EUR else EUROPE_EUR
    expected = {
        EUROPE_EUR: price_text(edge, product_id, 2),
        AMERICA_USD: price_text(edge, product_id, 3),
        "": price_text(edge, product_id, 1),  # no cookie: the default country, Sweden
    }
    assert len(set(expected.values())) == 3

    # Each market's first request fetches its own page, in either order; then each is served
    # from the cache, still its own. Other cookies do not split the key.
    for market in (first, second, ""):
        page = edge.get(path, f"shop_market={market}" if market else "")
        assert (cache_state(page), shown_price(page)) == ("MISS", expected[market]), market
    for market in (second, "", first):
        cookie = f"sessionid={uuid.uuid4().hex}; shop_market={market}" if market else ""
        page = edge.get(path, cookie)
        assert (cache_state(page), shown_price(page)) == ("HIT", expected[market]), market
    assert edge.stack.requests_served(path) == 3


# -- pages the proxy must not store --------------------------------------------------------------


def test_a_private_page_is_never_a_hit_and_each_shopper_keeps_their_own_cart(edge: Edge) -> None:
    [(product_id, _)] = product_pages(edge, 1)
    [(item,)] = edge.stack.query(
        "SELECT id FROM catalog_item WHERE product_id = %s AND stock_state = 'in_stock' "
        "ORDER BY position LIMIT 1",
        (product_id,),
    )
    [(name,)] = edge.stack.query(
        "SELECT name FROM catalog_producttext WHERE product_id = %s AND language_id = 'en'",
        (product_id,),
    )
    jar: dict[str, str] = {}

    def keep(response: httpx.Response) -> None:
        for cookie in response.headers.get_list("set-cookie"):
            key, _, rest = cookie.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]

    def cookies() -> str:
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    # The sign-in form is a private page: its CSRF cookie and token come through the proxy.
    form = edge.get("/account/sign-in")
    keep(form)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert (form.status_code, cache_state(form), bool(token)) == (200, "MISS", True)
    assert "no-store" in form.headers["Cache-Control"]
    added = httpx.post(
        edge.proxy.url + "/cart/add",
        data={"csrfmiddlewaretoken": token[1], "item": item, "quantity": "1"},
        headers={"Cookie": cookies(), "Referer": edge.proxy.url + "/account/sign-in"},
        timeout=30,
    )
    keep(added)
    assert added.status_code == 302, added.text[:2000]
    assert "sessionid" in jar

    served = edge.stack.requests_served("/cart/")
    mine = [edge.get("/cart/", cookies()) for _ in range(2)]
    someone_else = edge.get("/cart/", "shop_market=SE-1-1")

    for page in (*mine, someone_else):
        assert (page.status_code, cache_state(page)) == (200, "MISS")
        assert "no-store" in page.headers["Cache-Control"]
    assert all(name in page.text for page in mine)
    assert name not in someone_else.text
    assert edge.stack.requests_served("/cart/") == served + 3


def test_a_preview_browser_is_always_passed_and_leaves_nothing_in_the_cache(edge: Edge) -> None:
    [(_, path)] = product_pages(edge, 1)
    stored = edge.get(path)
    assert cache_state(stored) == "MISS"

    previews = [edge.get(path, "shop_preview=1") for _ in range(2)]
    afterwards = edge.get(path)

    assert [cache_state(p) for p in previews] == ["MISS", "MISS"]
    assert edge.stack.requests_served(path) == 3
    # The page stored before is still the one served: the preview answers replaced nothing.
    assert cache_state(afterwards) == "HIT"
    assert afterwards.headers["ETag"] == stored.headers["ETag"]
    assert afterwards.text == stored.text


# -- purge -----------------------------------------------------------------------------------


def test_a_purge_by_tag_serves_the_stale_page_at_once_then_the_fresh_one(edge: Edge) -> None:
    [(product_id, path)] = product_pages(edge, 1)
    edge.get(path)
    assert cache_state(edge.get(path)) == "HIT"
    assert edge.stack.requests_served(path) == 1

    purged = edge.purge(f"product-{product_id}")

    assert purged.status_code == 200
    assert int(purged.headers["X-Purged"]) >= 1
    # The next shopper does not wait: the stale page at once, refetched in the background.
    stale = edge.get(path)
    assert (stale.status_code, cache_state(stale)) == (200, "HIT")
    wait_for(lambda: edge.stack.requests_served(path) == 2, "no background refetch", edge)
    refreshed = edge.get(path)
    assert (cache_state(refreshed), refreshed.text) == ("HIT", stale.text)
    assert edge.stack.requests_served(path) == 2
    # The refetch was conditional (a 304 carries no tags): the page keeps its tags.
    again = edge.purge(f"product-{product_id}")
    assert int(again.headers["X-Purged"]) >= 1
    edge.get(path)
    wait_for(lambda: edge.stack.requests_served(path) == 3, "no second refetch", edge)


def test_a_purge_of_other_tags_or_without_tags_leaves_the_page_cached(edge: Edge) -> None:
    [(_, path), (other_id, _)] = product_pages(edge, 2)
    edge.get(path)

    other = edge.purge(f"product-{other_id}0000")
    untagged = edge.purge(None)
    time.sleep(0.5)  # a refetch, had one started, would reach the application now
    page = edge.get(path)

    assert (other.status_code, other.headers["X-Purged"]) == (200, "0")
    assert untagged.status_code == 400
    assert cache_state(page) == "HIT"
    assert edge.stack.requests_served(path) == 1


def test_a_purge_from_outside_the_acl_is_refused_and_purges_nothing(
    edge: Edge, tmp_path: Path
) -> None:
    """A second proxy on the same application whose ACL does not list this machine."""
    [(_, path)] = product_pages(edge, 1)
    acl = ["192.0.2.1"]  # TEST-NET-1: not us
    with running_varnish(web_port(edge.stack), tmp_path, purgers=acl) as proxy:
        httpx.get(proxy.url + path, timeout=30)
        before = proxy.counters()["MAIN.backend_req"]

        refused = httpx.request(
            "PURGE", proxy.url + "/", headers={"Surrogate-Key": "all"}, timeout=30
        )
        time.sleep(0.5)
        page = httpx.get(proxy.url + path, timeout=30)

        assert refused.status_code == 403
        assert cache_state(page) == "HIT"
        assert proxy.counters()["MAIN.backend_req"] == before


def test_a_refetch_that_fails_keeps_serving_the_stale_page(edge: Edge, tmp_path: Path) -> None:
    """A second proxy in front of a gunicorn of its own (same database), stopped after the page
    is cached: the soft-purged page's background refetch fails, the stale page stays."""
    [(product_id, path)] = product_pages(edge, 1)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "storefront.wsgi:application"]
    web = start([*command, "--bind", f"127.0.0.1:{port}"], edge.stack.env, tmp_path / "web.log")
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), "gunicorn", [web])
        with running_varnish(port, tmp_path / "proxy") as proxy:
            cached = httpx.get(proxy.url + path, timeout=30)
            assert (cached.status_code, cache_state(cached)) == (200, "MISS")
            stop(web)

            purged = httpx.request(
                "PURGE", proxy.url + "/", headers={"Surrogate-Key": f"product-{product_id}"}
            )
            answers_meanwhile = []
            for _ in range(3):
                answers_meanwhile.append(httpx.get(proxy.url + path, timeout=30))
                time.sleep(0.3)
            uncached = httpx.get(proxy.url + path + "?not-cached=1", timeout=30)

            assert int(purged.headers["X-Purged"]) == 1
            for page in answers_meanwhile:
                assert (page.status_code, cache_state(page), page.text) == (
                    200,
                    "HIT",
                    cached.text,
                )
            assert proxy.counters()["MAIN.backend_fail"] >= 1  # the refetches were tried
            assert uncached.status_code == 503  # and nothing else answers
    finally:
        stop(web)


# -- change to fresh -----------------------------------------------------------------------------


def test_a_price_changed_in_centra_shows_through_the_proxy_once_the_worker_purged_it(
    edge: Edge,
) -> None:
    [(product_id, path)] = product_pages(edge, 1)
    old_text = price_text(edge, product_id, 1)
    edge.get(path)
    cached = edge.get(path)
    assert (cache_state(cached), shown_price(cached)) == ("HIT", old_text)
    [(old_price,)] = edge.stack.query(
        "SELECT price FROM catalog_productprice WHERE product_id = %s AND pricelist_id = 1",
        (product_id,),
    )
    new_price = Decimal(old_price) + Decimal("111")

    started = time.monotonic()
    changed = httpx.put(
        f"{edge.stack.sandbox_url}/_sandbox/products/{product_id}",
        json={"prices": {"1": {"price": float(new_price)}}},
        timeout=10,
    )
    assert changed.status_code == 200, changed.text

    def fresh() -> bool:
        new_text = price_text(edge, product_id, 1)
        return new_text != old_text and shown_price(edge.get(path)) == new_text

    wait_for(fresh, "the proxy never served the new price", edge)
    seconds = time.monotonic() - started
    print(f"change to fresh through the proxy: {seconds:.2f} s")

    # Fresh and stored again: the next shoppers get the new page from the cache.
    again = edge.get(path)
    assert (cache_state(again), shown_price(again)) == ("HIT", price_text(edge, product_id, 1))
