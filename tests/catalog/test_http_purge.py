"""A sync purges exactly the pages it changed from the shared HTTP caches
(storefront.http_purge): the tags it sends, and the PURGE requests that reach a proxy."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import ProductCategory, SyncRun
from catalog.sync import full_sync, sync_products
from centra_sandbox import Sandbox
from routing import page_cache
from storefront import http_purge

pytestmark = pytest.mark.django_db

PLAIN = 101


class Proxy:
    """A stand-in proxy on a real socket: it records each PURGE and answers ``status``."""

    def __init__(self) -> None:
        self.purges: list[list[str]] = []
        # Whether the shop's own page cache was already invalidated when each purge arrived.
        self.page_cache_dropped: list[bool] = []
        self.status = 200
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self) -> None:
                proxy.purges.append(self.headers.get("Surrogate-Key", "").split())
                proxy.page_cache_dropped.append(cache.get(page_cache.VERSION_KEY) is None)
                self.send_response(proxy.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tags(self) -> set[str]:
        return {tag for purge in self.purges for tag in purge}


@pytest.fixture
def proxy(settings) -> Iterator[Proxy]:
    running = Proxy()
    settings.HTTP_CACHE_PURGE_URLS = [running.url]
    yield running
    running.server.shutdown()


@pytest.fixture
def synced(centra_sandbox: Sandbox, django_capture_on_commit_callbacks) -> None:
    full_sync(trigger="command")


def test_a_changed_product_purges_its_pages_its_categories_and_the_lists(
    proxy: Proxy, synced: None, control: httpx.Client, django_capture_on_commit_callbacks
) -> None:
    control.put(f"products/{PLAIN}", json={"prices": {"4": {"price": 10}}})
    categories = set(
        ProductCategory.objects.filter(product_id=PLAIN).values_list("category_id", flat=True)
    )
    assert categories

    with django_capture_on_commit_callbacks(execute=True):
        sync_products([PLAIN], trigger="webhook")

    assert len(proxy.purges) == 1
    expected = {f"product-{PLAIN}", *(f"category-{c}" for c in categories)}
    assert proxy.tags() == expected | {"home", "search", "sitemap", "missing"}


def test_an_unchanged_product_purges_nothing(
    proxy: Proxy, synced: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sync_products([PLAIN], trigger="webhook")

    assert proxy.purges == []


def test_reference_data_purges_everything(proxy: Proxy) -> None:
    http_purge.on_catalog_changed(None, product_ids=frozenset(), kinds=frozenset({"category"}))

    assert proxy.purges == [["all"]]


def test_many_tags_go_in_several_requests_to_every_proxy(proxy: Proxy, settings) -> None:
    second = Proxy()
    settings.HTTP_CACHE_PURGE_URLS = [proxy.url, second.url + "/"]
    tags = [f"product-{i}" for i in range(http_purge.TAGS_PER_REQUEST + 1)]

    try:
        assert http_purge.purge(tags) == 4
    finally:
        second.server.shutdown()

    for one in (proxy, second):
        assert [len(p) for p in one.purges] == [http_purge.TAGS_PER_REQUEST, 1]
        assert one.tags() == set(tags)


def test_a_proxy_refusing_the_purge_is_an_error_the_task_retries(proxy: Proxy) -> None:
    proxy.status = 403

    with pytest.raises(httpx.HTTPStatusError):
        http_purge.purge(["product-1"])

    assert http_purge.purge_task.autoretry_for == (httpx.HTTPError,)


def test_a_proxy_down_never_breaks_the_sync(
    settings, synced: None, control: httpx.Client, django_capture_on_commit_callbacks, caplog
) -> None:
    # Without a broker the task runs in the sync's process: its failure must stay there.
    settings.HTTP_CACHE_PURGE_URLS = ["http://127.0.0.1:9"]
    control.put(f"products/{PLAIN}", json={"prices": {"4": {"price": 11}}})

    with django_capture_on_commit_callbacks(execute=True):
        run = sync_products([PLAIN], trigger="webhook")

    assert run.status == "succeeded"
    assert "purge" in caplog.text


def test_without_proxies_nothing_is_sent(settings) -> None:
    settings.HTTP_CACHE_PURGE_URLS = []

    http_purge.on_catalog_changed(None, product_ids=frozenset({PLAIN}), kinds=frozenset())


def test_the_command_purges_what_it_is_told_and_everything_by_default(proxy: Proxy) -> None:
    out = io.StringIO()
    call_command("http_cache_purge", "cms", "home", stdout=out)
    call_command("http_cache_purge", stdout=out)

    assert proxy.purges == [["cms", "home"], ["all"]]
    assert "Purged cms home from 1 proxies" in out.getvalue()


def test_the_command_says_when_there_is_nothing_to_purge_or_a_proxy_refuses(
    proxy: Proxy, settings
) -> None:
    proxy.status = 403
    with pytest.raises(CommandError, match="refused or did not answer"):
        call_command("http_cache_purge")
    settings.HTTP_CACHE_PURGE_URLS = []
    with pytest.raises(CommandError, match="no proxy"):
        call_command("http_cache_purge")


def test_a_full_sync_purges_once_when_it_is_over_with_what_it_changed(
    proxy: Proxy,
    centra_sandbox: Sandbox,
    control: httpx.Client,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.CATALOG_SYNC_PAGE_SIZE = 10  # many pages, many announcements
    with django_capture_on_commit_callbacks(execute=True):
        first = full_sync(trigger="command")
    # The first run created the categories, markets...: every page changed.
    assert proxy.purges == [["all"]]

    control.put(f"products/{PLAIN}", json={"prices": {"4": {"price": 12}}})
    with django_capture_on_commit_callbacks(execute=True):
        second = full_sync(trigger="command")

    assert first.status == second.status == SyncRun.Status.SUCCEEDED
    assert len(proxy.purges) == 2
    assert f"product-{PLAIN}" in proxy.purges[1]
    assert "all" not in proxy.purges[1]
    assert http_purge._held == {}


def test_the_proxies_are_purged_after_the_shops_own_page_cache_is_dropped(
    proxy: Proxy, synced: None, control: httpx.Client, django_capture_on_commit_callbacks
) -> None:
    # Else a proxy refetching at once could get the old page from the page cache and keep it.
    page_cache.content_version()
    control.put(f"products/{PLAIN}", json={"prices": {"4": {"price": 13}}})

    with django_capture_on_commit_callbacks(execute=True):
        sync_products([PLAIN], trigger="webhook")

    assert proxy.page_cache_dropped == [True]
