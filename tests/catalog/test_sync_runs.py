"""Full syncs as runs: upstream calls, failures half-way, two at once, a catalog that changes
while it is read, and the change notices."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product, ProductMarket, ProductPrice, ProductText, SyncRun
from catalog.signals import catalog_changed
from catalog.sync import SyncProgress, full_sync
from centra_sandbox import DEFAULT_SHARED_SECRET, Sandbox
from tests.catalog import upstream

pytestmark = pytest.mark.django_db

PLAIN = 101
PAGE_SIZE = 20


def test_upstream_calls_are_markets_x_languages_x_pages_plus_reference(
    centra_sandbox: Sandbox,
) -> None:
    store = centra_sandbox.store
    centra_sandbox.reset_counts()

    run = full_sync(trigger="command", page_size=PAGE_SIZE)

    pages = upstream.product_pages(store, PAGE_SIZE)
    # 51, 45 and 54 products in the three markets: 3 pages of 20 each, in 3 languages.
    assert pages == 27
    counts = centra_sandbox.request_counts
    assert counts["POST products"] == pages
    assert counts["POST categories"] == len(upstream.languages(store))
    for route in ("GET markets", "GET pricelists", "GET languages", "GET countries/all"):
        assert counts[route] == 1
    assert counts["GET brands"] == counts["GET collections"] == 1
    assert counts["*"] == pages + upstream.reference_calls(store) == 36
    assert run.calls == counts["*"]


def test_progress_reports_every_page(centra_sandbox: Sandbox) -> None:
    events: list[SyncProgress] = []

    run = full_sync(trigger="command", page_size=PAGE_SIZE, progress=events.append)

    assert len(events) == 27
    assert [e.pages_done for e in events] == list(range(1, 28))
    first, last = events[0], events[-1]
    assert (first.market, first.language, first.page, first.fetched, first.total) == (
        1,
        "en",
        1,
        20,
        51,
    )
    assert (first.pass_number, first.passes, first.run_id) == (1, 9, run.pk)
    assert (last.market, last.language, last.page, last.fetched, last.total) == (
        3,
        "sv",
        3,
        54,
        54,
    )


def test_a_failure_on_page_n_leaves_the_previous_catalog_intact(
    centra_sandbox: Sandbox, control: httpx.Client, fail_call: Callable[..., None]
) -> None:
    good = full_sync(trigger="command", page_size=PAGE_SIZE)
    before = upstream.local_counts()
    ids = set(Product.objects.values_list("pk", flat=True))
    # Changes that a successful run would apply: a removal and a price change.
    control.put(f"products/{PLAIN}", json={"active": False})
    other = centra_sandbox.store.one(
        "SELECT product_id FROM product_markets WHERE market_id = 1 AND product_id IN "  # noqa: S608
        f"({upstream.VISIBLE}) AND product_id != ? ORDER BY product_id LIMIT 1",
        (PLAIN,),
    )[0]
    control.put(f"products/{other}", json={"prices": {"1": {"price": 1.0}, "2": None}})
    # The 5th page is the second of market 1 in German (en, de, sv: 3 pages each).
    fail_call(5)

    failed = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert failed.status == SyncRun.Status.FAILED
    assert failed.error == (
        "market 1, language de, page 2: CentraUnavailable: "
        "Centra answered 500 to POST products: fault: injected"
    )
    assert DEFAULT_SHARED_SECRET not in failed.error
    assert failed.finished_at is not None
    assert failed.calls == upstream.reference_calls(centra_sandbox.store) + 5
    assert set(Product.objects.values_list("pk", flat=True)) == ids
    assert upstream.local_counts() == before
    assert {c["deleted"] for c in failed.counts.values()} == {0}
    # Pages read before the failure were applied (the price is fresher), nothing was removed:
    # the price gone from pricelist 2 is only marked for removal.
    assert ProductPrice.objects.get(product_id=other, pricelist_id=1).price == 1
    assert ProductPrice.objects.get(product_id=other, pricelist_id=2).last_seen_run == 0
    assert ProductMarket.objects.filter(product_id=PLAIN).exists()
    assert good.status == SyncRun.Status.SUCCEEDED

    recovered = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert recovered.status == SyncRun.Status.SUCCEEDED
    assert not Product.objects.filter(pk=PLAIN).exists()
    assert not ProductPrice.objects.filter(product_id=other, pricelist_id=2).exists()
    assert recovered.counts["product"]["deleted"] == 1
    assert upstream.local_counts() == upstream.counts(centra_sandbox.store)


def test_a_row_marked_for_removal_by_a_failed_run_stays_when_it_comes_back(
    centra_sandbox: Sandbox, control: httpx.Client, fail_call: Callable[..., None]
) -> None:
    full_sync(trigger="command", page_size=PAGE_SIZE)
    before = ProductPrice.objects.get(product_id=PLAIN, pricelist_id=2)
    control.put(f"products/{PLAIN}", json={"prices": {"2": None}})
    fail_call(2)
    assert full_sync(trigger="command", page_size=PAGE_SIZE).status == SyncRun.Status.FAILED
    assert ProductPrice.objects.get(pk=before.pk).last_seen_run == 0
    # Back in Centra, at the same price, before the next run.
    control.put(
        f"products/{PLAIN}",
        json={"prices": {"2": {"price": float(before.price), "showAsNew": before.new}}},
    )

    run = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert run.status == SyncRun.Status.SUCCEEDED
    again = ProductPrice.objects.get(pk=before.pk)
    assert (again.price, again.last_seen_run) == (before.price, run.pk)
    assert run.counts["productprice"] == {"created": 0, "updated": 0, "deleted": 0}


def test_a_failure_on_the_first_call_changes_nothing(centra_sandbox: Sandbox) -> None:
    full_sync(trigger="command")
    before = upstream.snapshot()
    centra_sandbox.faults.errors.append(
        {"route": "*", "status": 400, "retry_after": None, "remaining": None}
    )

    run = full_sync(trigger="command")

    assert run.status == SyncRun.Status.FAILED
    assert run.error == (
        "languages: CentraValidationError: Centra answered 400 to GET languages: fault: injected"
    )
    assert run.calls == 1
    assert run.counts == upstream.zero_counts()
    assert upstream.snapshot() == before


def test_a_second_full_sync_while_one_runs_is_skipped(centra_sandbox: Sandbox) -> None:
    skipped: list[SyncRun] = []

    def start_another(event: SyncProgress) -> None:
        if event.pages_done == 1:
            centra_sandbox.reset_counts()
            skipped.append(full_sync(trigger="admin"))

    first = full_sync(trigger="command", page_size=PAGE_SIZE, progress=start_another)

    assert first.status == SyncRun.Status.SUCCEEDED
    [second] = skipped
    assert second.status == SyncRun.Status.SKIPPED
    assert second.kind == SyncRun.Kind.FULL
    assert second.trigger == SyncRun.Trigger.ADMIN
    assert second.notes == f"skipped: full sync #{first.pk} is running"
    assert second.finished_at is not None
    assert second.calls == 0
    assert upstream.local_counts() == upstream.counts(centra_sandbox.store)
    # And once the first is done, the next one runs.
    assert full_sync(trigger="admin").status == SyncRun.Status.SUCCEEDED


def test_a_full_sync_whose_worker_died_no_longer_blocks(centra_sandbox: Sandbox) -> None:
    dead = SyncRun.objects.create(
        kind=SyncRun.Kind.FULL,
        trigger=SyncRun.Trigger.SCHEDULE,
        heartbeat_at=timezone.now() - timedelta(minutes=11),
    )

    run = full_sync(trigger="command")

    assert run.status == SyncRun.Status.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED
    assert dead.error == "abandoned: no progress for 0:10:00 (its worker stopped)"


def test_a_recent_running_full_sync_still_blocks(centra_sandbox: Sandbox) -> None:
    alive = SyncRun.objects.create(
        kind=SyncRun.Kind.FULL,
        trigger=SyncRun.Trigger.SCHEDULE,
        heartbeat_at=timezone.now() - timedelta(minutes=9),
    )
    centra_sandbox.reset_counts()

    run = full_sync(trigger="command")

    assert run.status == SyncRun.Status.SKIPPED
    assert run.notes == f"skipped: full sync #{alive.pk} is running"
    assert centra_sandbox.request_counts["*"] == 0


def test_removals_wait_when_the_catalog_shifts_while_it_is_read(
    centra_sandbox: Sandbox, before_call: Callable[..., None]
) -> None:
    full_sync(trigger="command", page_size=PAGE_SIZE)
    # The first product of market 1's first page, oldest first.
    oldest = centra_sandbox.store.one(
        f"SELECT p.id FROM products p JOIN product_markets m ON m.product_id = p.id "  # noqa: S608
        f"AND m.market_id = 1 WHERE p.id IN ({upstream.VISIBLE}) ORDER BY p.created_at, p.uri "
        "LIMIT 1"
    )[0]
    # Deactivated between the first and the second page: the second starts one product later.
    before_call(
        2,
        lambda: centra_sandbox.store.db.execute(
            "UPDATE products SET active = 0 WHERE id = ?", (oldest,)
        ),
    )

    shifted = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert shifted.status == SyncRun.Status.SUCCEEDED
    assert shifted.notes == (
        "the catalog changed while it was read: removals of products, market links and "
        "relations wait for the next run"
    )
    assert Product.objects.filter(pk=oldest).exists()
    assert shifted.counts["product"]["deleted"] == 0

    settled = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert settled.notes == ""
    assert not Product.objects.filter(pk=oldest).exists()
    assert upstream.local_counts() == upstream.counts(centra_sandbox.store)


def test_changes_are_announced_per_product_after_commit(
    control: httpx.Client, django_capture_on_commit_callbacks
) -> None:
    full_sync(trigger="command")
    control.put(f"products/{PLAIN}", json={"prices": {"2": {"price": 9.5}}})
    heard: list[tuple[frozenset, frozenset]] = []

    def listen(sender: type, run: SyncRun, product_ids: frozenset, kinds: frozenset, **kw) -> None:
        heard.append((product_ids, kinds))

    catalog_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            full_sync(trigger="command")
    finally:
        catalog_changed.disconnect(listen)

    assert heard == [(frozenset({PLAIN}), frozenset())]


def test_reference_changes_are_announced_by_kind(
    centra_sandbox: Sandbox, django_capture_on_commit_callbacks
) -> None:
    full_sync(trigger="command")
    centra_sandbox.store.db.execute("UPDATE brands SET name = 'Renamed' WHERE id = 1")
    heard: list[tuple[frozenset, frozenset]] = []

    def listen(sender: type, run: SyncRun, product_ids: frozenset, kinds: frozenset, **kw) -> None:
        heard.append((product_ids, kinds))

    catalog_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = full_sync(trigger="command")
    finally:
        catalog_changed.disconnect(listen)

    assert run.counts["brand"] == {"created": 0, "updated": 1, "deleted": 0}
    assert heard == [(frozenset(), frozenset({"brand"}))]


def test_an_unknown_trigger_is_refused_before_anything_runs(centra_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown trigger 'cron'"):
        full_sync(trigger="cron")

    assert not SyncRun.objects.exists()
    assert centra_sandbox.request_counts["*"] == 0


def test_rows_a_partial_sync_wrote_during_a_full_sync_are_kept(
    centra_sandbox: Sandbox, control: httpx.Client
) -> None:
    full_sync(trigger="command", page_size=PAGE_SIZE)
    # A webhook's partial sync starts just before the next full sync and writes while it runs
    # (its answer may be fresher than the full sync's page): the full sync must not remove it.
    control.put(f"products/{PLAIN}", json={"active": False})
    partial = SyncRun.objects.create(
        kind=SyncRun.Kind.PARTIAL, trigger=SyncRun.Trigger.WEBHOOK, heartbeat_at=timezone.now()
    )

    def partial_writes(event: SyncProgress) -> None:
        if event.pages_done == 1:
            Product.objects.filter(pk=PLAIN).update(last_seen_run=partial.pk)
            for model in (ProductMarket, ProductText, ProductPrice):
                model.objects.filter(product_id=PLAIN).update(last_seen_run=partial.pk)

    overlapped = full_sync(trigger="command", page_size=PAGE_SIZE, progress=partial_writes)

    assert overlapped.status == SyncRun.Status.SUCCEEDED
    assert Product.objects.filter(pk=PLAIN).exists()
    assert ProductMarket.objects.filter(product_id=PLAIN).count() == 3
    assert ProductText.objects.filter(product_id=PLAIN).count() == 3
    assert ProductPrice.objects.filter(product_id=PLAIN).count() == 4
    partial.status, partial.finished_at = SyncRun.Status.SUCCEEDED, timezone.now()
    partial.save()

    later = full_sync(trigger="command", page_size=PAGE_SIZE)

    assert later.counts["product"]["deleted"] == 1
    assert not Product.objects.filter(pk=PLAIN).exists()


def test_runs_of_any_kind_whose_worker_died_are_marked_failed(centra_sandbox: Sandbox) -> None:
    stuck = SyncRun.objects.create(
        kind=SyncRun.Kind.PARTIAL,
        trigger=SyncRun.Trigger.WEBHOOK,
        heartbeat_at=timezone.now() - timedelta(minutes=30),
    )

    full_sync(trigger="command")

    stuck.refresh_from_db()
    assert stuck.status == SyncRun.Status.FAILED
    assert stuck.finished_at is not None


def _queries_per_page(page_size: int) -> list[int]:
    """Queries on product rows for each page (reference lists and the run's own row aside)."""
    per_page: list[int] = []
    with CaptureQueriesContext(connection) as queries:
        last = 0

        def count(event: SyncProgress) -> None:
            nonlocal last
            page = queries.captured_queries[last:]
            per_page.append(sum(_PRODUCT_TABLES.search(q["sql"]) is not None for q in page))
            last = len(queries)

        full_sync(trigger="command", page_size=page_size, progress=count)
    return per_page


_PRODUCT_TABLES = re.compile(
    r'"catalog_(product|productmarket|producttext|productprice|item|'
    r'productcategory|relatedproduct)"'
)


@pytest.mark.parametrize(("page_size", "sqlite_inserts"), [(10, 0), (60, 3)])
def test_a_page_costs_the_same_few_queries_whatever_its_size(
    page_size: int, sqlite_inserts: int
) -> None:
    on_empty_copy = _queries_per_page(page_size)
    on_second_run = _queries_per_page(page_size)

    # The busiest page (products new to the run): which products the run has met; for
    # products, items, prices and categories a read and a write (plus a mark for the rows
    # gone); texts, market links and relations a read and a write. Never one per product;
    # SQLite takes at most 999 parameters a statement, so a 51-product page's items, prices and
    # category links take a few more inserts there (PostgreSQL sends one array per column).
    extra = sqlite_inserts if connection.vendor == "sqlite" else 0
    assert max(on_empty_copy) == 15 + extra, on_empty_copy
    # Nothing changed: market links and relations are marked, content rows only read.
    assert max(on_second_run) == 10, on_second_run
