"""Partial syncs (named products, the webhook path) and reference refreshes."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from catalog.models import (
    Brand,
    Category,
    Country,
    Market,
    Product,
    ProductCategory,
    ProductMarket,
    ProductPrice,
    ProductText,
    SyncRun,
)
from catalog.sync import full_sync, refresh_reference, sync_products
from centra_sandbox import Sandbox
from tests.catalog import upstream

pytestmark = pytest.mark.django_db

PLAIN = 101  # in markets 1, 2 and 3
NORTH_AMERICA = 2


@pytest.fixture
def synced(centra_sandbox: Sandbox) -> SyncRun:
    run = full_sync(trigger="command")
    centra_sandbox.reset_counts()
    return run


def _visible_ids(sandbox: Sandbox, limit: int) -> list[int]:
    rows = sandbox.store.all(f"{upstream.VISIBLE} ORDER BY p.id LIMIT ?", (limit,))
    return [row[0] for row in rows]


def test_a_partial_sync_costs_one_call_per_market_and_language(
    centra_sandbox: Sandbox, synced: SyncRun
) -> None:
    ids = _visible_ids(centra_sandbox, 4)

    run = sync_products([str(i) for i in ids], trigger="webhook")

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.kind == SyncRun.Kind.PARTIAL
    assert run.product_ids == ids
    assert centra_sandbox.request_counts["POST products"] == 3 * 3
    assert centra_sandbox.request_counts["*"] == run.calls == 9
    assert run.counts == upstream.zero_counts()


def test_many_ids_are_fetched_in_batches_not_one_call_each(
    centra_sandbox: Sandbox, synced: SyncRun, settings
) -> None:
    settings.CATALOG_SYNC_PAGE_SIZE = 25
    ids = _visible_ids(centra_sandbox, 60)
    assert len(ids) == upstream.counts(centra_sandbox.store)["product"] > 25

    run = sync_products(ids, trigger="webhook")

    # ceil(54 / 25) = 3 batches, each asked in 3 markets x 3 languages.
    assert run.calls == centra_sandbox.request_counts["POST products"] == 3 * 9
    assert run.counts == upstream.zero_counts()


def test_a_partial_sync_applies_a_price_change(control: httpx.Client, synced: SyncRun) -> None:
    control.put(
        f"products/{PLAIN}",
        json={"prices": {"4": {"price": 10, "priceBeforeDiscount": 20, "showAsOnSale": True}}},
    )

    run = sync_products([PLAIN], trigger="webhook")

    price = ProductPrice.objects.get(product_id=PLAIN, pricelist_id=4)
    assert (price.price, price.price_before_discount, price.discount_percent, price.on_sale) == (
        Decimal("10"),
        Decimal("20"),
        50,
        True,
    )
    assert run.counts["productprice"] == {"created": 0, "updated": 1, "deleted": 0}


def test_a_product_gone_from_one_market_leaves_that_market_only(
    centra_sandbox: Sandbox, synced: SyncRun
) -> None:
    centra_sandbox.store.db.execute(
        "DELETE FROM product_markets WHERE product_id = ? AND market_id = ?",
        (PLAIN, NORTH_AMERICA),
    )

    run = sync_products([PLAIN], trigger="webhook")

    assert sorted(
        ProductMarket.objects.filter(product_id=PLAIN).values_list("market_id", flat=True)
    ) == [1, 3]
    assert Product.objects.filter(pk=PLAIN).exists()
    assert run.counts["productmarket"] == {"created": 0, "updated": 0, "deleted": 1}
    assert run.counts["product"] == {"created": 0, "updated": 0, "deleted": 0}


def test_a_deactivated_product_is_deleted_by_a_partial_sync(
    control: httpx.Client, synced: SyncRun
) -> None:
    texts = ProductText.objects.filter(product_id=PLAIN).count()
    control.put(f"products/{PLAIN}", json={"active": False})

    run = sync_products([PLAIN], trigger="webhook")

    assert not Product.objects.filter(pk=PLAIN).exists()
    assert not ProductText.objects.filter(product_id=PLAIN).exists()
    assert run.counts["product"] == {"created": 0, "updated": 0, "deleted": 1}
    assert run.counts["productmarket"]["deleted"] == 3
    assert run.counts["producttext"]["deleted"] == texts


def test_a_partial_sync_creates_a_product_the_copy_lacks(
    centra_sandbox: Sandbox, synced: SyncRun
) -> None:
    before = upstream.snapshot(surrogate_ids=False)
    Product.objects.filter(pk=PLAIN).delete()

    run = sync_products([PLAIN], trigger="webhook")

    assert upstream.snapshot(surrogate_ids=False) == before
    assert run.counts["product"] == {"created": 1, "updated": 0, "deleted": 0}
    assert run.counts["producttext"]["created"] == 3
    assert run.counts["productmarket"]["created"] == 3


def test_a_partial_sync_leaves_other_products_alone(
    centra_sandbox: Sandbox, control: httpx.Client, synced: SyncRun
) -> None:
    other = _visible_ids(centra_sandbox, 2)[1]
    control.put(f"products/{other}", json={"active": False})

    sync_products([PLAIN], trigger="webhook")

    assert Product.objects.filter(pk=other).exists()


def test_a_partial_sync_reads_a_brand_it_does_not_know_yet(
    centra_sandbox: Sandbox, synced: SyncRun
) -> None:
    db = centra_sandbox.store.db
    db.execute("INSERT INTO brands (id, name, uri) VALUES (99, 'Newcomer', 'newcomer')")
    db.execute("UPDATE products SET brand_id = 99 WHERE id = ?", (PLAIN,))

    run = sync_products([PLAIN], trigger="webhook")

    assert Product.objects.get(pk=PLAIN).brand_id == 99
    assert Brand.objects.get(pk=99).name == "Newcomer"
    assert centra_sandbox.request_counts["GET brands"] == 1
    assert run.calls == 9 + 1


def test_refresh_categories_removes_an_unpublished_category(
    centra_sandbox: Sandbox, control: httpx.Client, synced: SyncRun
) -> None:
    shoes = Category.objects.get(uri="womens/shoes")
    links = ProductCategory.objects.filter(category=shoes).count()
    assert links > 0
    control.put(f"categories/{shoes.pk}", json={"active": False})

    run = refresh_reference({"categories"}, trigger="webhook")

    assert run.kind == SyncRun.Kind.REFERENCE
    assert run.status == SyncRun.Status.SUCCEEDED
    assert not Category.objects.filter(pk=shoes.pk).exists()
    assert run.counts["category"]["deleted"] == 1
    assert run.counts["categorytext"]["deleted"] == 3
    assert run.counts["productcategory"]["deleted"] == links
    assert centra_sandbox.request_counts["POST categories"] == run.calls == 3
    assert run.notes == "kinds: categories"


def test_refresh_brands_applies_a_rename(centra_sandbox: Sandbox, synced: SyncRun) -> None:
    centra_sandbox.store.db.execute("UPDATE brands SET name = 'Nordvik Studio' WHERE id = 1")

    run = refresh_reference(["brands", "warehouses"], trigger="webhook")

    assert Brand.objects.get(pk=1).name == "Nordvik Studio"
    assert run.counts["brand"] == {"created": 0, "updated": 1, "deleted": 0}
    assert run.calls == 1
    assert run.notes == "kinds: brands; ignored: warehouses"


def test_refresh_markets_rereads_countries_and_drops_a_gone_market(
    centra_sandbox: Sandbox, synced: SyncRun
) -> None:
    db = centra_sandbox.store.db
    vip_only = centra_sandbox.store.all(
        "SELECT product_id FROM product_markets GROUP BY product_id HAVING COUNT(*) = 1 "
        "AND MIN(market_id) = 3"
    )
    db.execute("DELETE FROM product_markets WHERE market_id = 3")
    db.execute("DELETE FROM markets WHERE id = 3")

    run = refresh_reference({"markets"}, trigger="webhook")

    assert sorted(Market.objects.values_list("pk", flat=True)) == [1, 2]
    assert centra_sandbox.request_counts["GET markets"] == 1
    assert centra_sandbox.request_counts["GET countries/all"] == 1
    assert run.calls == 2
    assert run.counts["market"]["deleted"] == 1
    kept = [r[0] for r in vip_only if Product.objects.filter(pk=r[0]).exists()]
    assert kept == []
    assert Country.objects.count() == upstream.counts(centra_sandbox.store)["country"]


def test_an_invalid_product_id_is_refused_before_anything_runs(centra_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="not a product id: 'abc'"):
        sync_products(["101", "abc"], trigger="webhook")

    assert not SyncRun.objects.exists()


def test_refresh_reference_rereads_created_changed_and_removed_brands(
    centra_sandbox: Sandbox,
) -> None:
    full_sync(trigger="command")
    db = centra_sandbox.store.db
    db.execute("INSERT INTO brands (id, name, uri) VALUES (77, 'Extra', 'extra')")
    db.execute("UPDATE brands SET name = 'Solberg & Son' WHERE id = 5")

    run = refresh_reference(["brands"], trigger="webhook")

    assert (run.kind, run.trigger, run.status) == ("reference", "webhook", "succeeded")
    assert run.counts["brand"] == {"created": 1, "updated": 1, "deleted": 0}
    assert Brand.objects.get(pk=5).name == "Solberg & Son"

    db.execute("DELETE FROM brands WHERE id = 77")
    gone = refresh_reference(["brands"], trigger="webhook")

    assert gone.counts["brand"] == {"created": 0, "updated": 0, "deleted": 1}
    assert not Brand.objects.filter(pk=77).exists()
