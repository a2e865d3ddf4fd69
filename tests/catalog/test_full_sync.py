"""The full sync against the in-process sandbox (60 demo products, 3 markets, 4 pricelists,
3 languages): what it copies, what a second run does, and how changes in Centra arrive."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from catalog.models import (
    Category,
    CategoryText,
    Country,
    Item,
    Pricelist,
    Product,
    ProductCategory,
    ProductMarket,
    ProductPrice,
    ProductText,
    RelatedProduct,
    State,
    SyncRun,
)
from catalog.sync import full_sync
from centra_sandbox import Sandbox
from centra_sandbox.money import format_money
from tests.catalog import upstream

pytestmark = pytest.mark.django_db

# The demo's plain product: active, full price everywhere, sold in all three markets.
PLAIN = 101


def test_full_sync_copies_counts_that_match_the_sandbox(centra_sandbox: Sandbox) -> None:
    store = centra_sandbox.store
    expected = upstream.counts(store)

    run = full_sync(trigger="command")

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.error == ""
    assert upstream.local_counts() == expected
    assert {name: c["created"] for name, c in run.counts.items()} == expected
    assert {c["updated"] for c in run.counts.values()} == {0}
    assert {c["deleted"] for c in run.counts.values()} == {0}
    assert _grouped(ProductMarket, "market_id") == upstream.products_per_market(store)
    assert _grouped(ProductPrice, "pricelist_id") == upstream.prices_per_pricelist(store)
    assert _grouped(ProductText, "language_id") == upstream.texts_per_language(store)
    # The demo's fixed shape, as a sanity check of the expectations themselves.
    assert expected["market"] == 3
    assert expected["pricelist"] == 4
    assert expected["language"] == 3
    assert 0 < expected["product"] < 60


def _grouped(model: type, field: str) -> dict:
    result: dict = {}
    for value in model.objects.values_list(field, flat=True):
        result[value] = result.get(value, 0) + 1
    return dict(sorted(result.items()))


def test_a_product_gets_its_prices_per_pricelist(centra_sandbox: Sandbox) -> None:
    store = centra_sandbox.store
    full_sync(trigger="command")

    currencies = {
        row["id"]: row
        for row in store.all(
            "SELECT p.id, c.* FROM pricelists p JOIN currencies c ON c.code = p.currency"
        )
    }
    source = store.all(
        "SELECT * FROM product_prices WHERE product_id = ? ORDER BY pricelist_id", (PLAIN,)
    )
    local = ProductPrice.objects.filter(product_id=PLAIN).order_by("pricelist_id")
    assert (
        [p.pricelist_id for p in local] == [row["pricelist_id"] for row in source] == [1, 2, 3, 4]
    )
    for price, row in zip(local, source, strict=True):
        currency = currencies[row["pricelist_id"]]
        assert price.price == Decimal(str(row["price"]))
        assert price.price_before_discount == Decimal(str(row["price_before_discount"]))
        assert price.price_text == format_money(row["price"], currency)
        assert price.price_before_discount_text == format_money(
            row["price_before_discount"], currency
        )
        assert price.on_sale is bool(row["show_as_on_sale"])
        assert price.new is bool(row["show_as_new"])
        assert price.discount_percent == 0
    # Sweden SEK is the demo's first pricelist: formatted the Swedish way.
    assert local[0].price_text.endswith(" SEK")


def test_a_discounted_price_keeps_its_discount(centra_sandbox: Sandbox) -> None:
    row = centra_sandbox.store.one(
        "SELECT pp.* FROM product_prices pp JOIN products p ON p.id = pp.product_id "
        "WHERE p.active = 1 AND pp.pricelist_id = 1 AND pp.price < pp.price_before_discount "
        "AND EXISTS (SELECT 1 FROM product_markets m WHERE m.product_id = p.id) "
        "ORDER BY pp.product_id LIMIT 1"
    )
    full_sync(trigger="command")

    price = ProductPrice.objects.get(product_id=row["product_id"], pricelist_id=1)
    assert price.price == Decimal(str(row["price"]))
    assert price.price_before_discount == Decimal(str(row["price_before_discount"]))
    assert price.discount_percent == round(
        (row["price_before_discount"] - row["price"]) * 100 / row["price_before_discount"]
    )
    assert price.on_sale is True


def test_a_product_without_a_price_in_a_pricelist_has_no_row_there(
    centra_sandbox: Sandbox,
) -> None:
    row = centra_sandbox.store.one(
        f"SELECT v.id FROM ({upstream.VISIBLE}) v WHERE NOT EXISTS "  # noqa: S608
        "(SELECT 1 FROM product_prices pp WHERE pp.product_id = v.id AND pp.pricelist_id = 3) "
        "ORDER BY v.id LIMIT 1"
    )
    full_sync(trigger="command")

    assert Product.objects.filter(pk=row[0]).exists()
    assert not ProductPrice.objects.filter(product_id=row[0], pricelist_id=3).exists()


def test_a_product_gets_its_texts_per_language(centra_sandbox: Sandbox) -> None:
    full_sync(trigger="command")

    source = {
        row["language"]: row
        for row in centra_sandbox.store.all(
            "SELECT * FROM product_texts WHERE product_id = ?", (PLAIN,)
        )
    }
    local = {t.language_id: t for t in ProductText.objects.filter(product_id=PLAIN)}
    assert sorted(local) == sorted(source) == ["de", "en", "sv"]
    for language, text in local.items():
        row = source[language]
        assert text.name == row["name"]
        assert text.excerpt == row["excerpt"]
        assert text.excerpt_html == f"<p>{row['excerpt']}</p>"
        assert text.description == row["description"]
        assert text.meta_title == row["meta_title"]
        assert text.meta_description == row["meta_description"]
        assert text.meta_keywords == row["meta_keywords"]
    assert local["sv"].name != local["en"].name


def test_a_product_gets_its_own_fields_items_categories_and_relations(
    centra_sandbox: Sandbox,
) -> None:
    store = centra_sandbox.store
    full_sync(trigger="command")

    row = store.one("SELECT * FROM products WHERE id = ?", (PLAIN,))
    product = Product.objects.get(pk=PLAIN)
    assert product.uri == row["uri"]
    assert product.sku == row["sku"]
    assert product.product_sku == row["product_sku"]
    assert product.variant_name == row["variant_name"]
    assert product.centra_product == row["centra_product"]
    assert product.centra_variant == row["centra_variant"]
    assert product.brand_id == row["brand_id"]
    assert product.collection_id == row["collection_id"]
    assert product.category_id == row["category_id"]
    assert product.country_origin == row["country_origin"]
    assert product.attributes == json.loads(row["attributes"])
    assert timezone.localtime(product.created_at).strftime("%Y-%m-%d %H:%M:%S") == row["created_at"]
    assert (
        timezone.localtime(product.modified_at).strftime("%Y-%m-%d %H:%M:%S") == row["modified_at"]
    )
    keys = [
        m["key"]
        for m in store.all("SELECT key FROM media WHERE product_id = ? ORDER BY position", (PLAIN,))
    ]
    assert product.media == {
        size: [f"/sandbox/media/{size}/{key}.svg" for key in keys]
        for size in ("standard", "full", "thumb")
    }

    items = store.all("SELECT * FROM items WHERE product_id = ? ORDER BY position", (PLAIN,))
    assert list(
        Item.objects.filter(product_id=PLAIN).values_list(
            "id", "size_id", "name", "sku", "ean", "stock"
        )
    ) == [
        (i["id"], str(i["size_id"]), i["name"], i["sku"], i["ean"], _stock_label(i["stock"]))
        for i in items
    ]

    links = store.all(
        "SELECT pc.category_id, pc.sort_order FROM product_categories pc "
        "JOIN categories c ON c.id = pc.category_id AND c.active = 1 "
        "WHERE pc.product_id = ? ORDER BY pc.category_id",
        (PLAIN,),
    )
    assert list(
        ProductCategory.objects.filter(product_id=PLAIN)
        .order_by("category_id")
        .values_list("category_id", "sort_order")
    ) == [(r[0], r[1]) for r in links]

    relations = store.all(
        "SELECT r.related_id, r.relation FROM related_products r JOIN products p "
        "ON p.id = r.related_id AND p.active = 1 WHERE r.product_id = ? ORDER BY r.related_id",
        (PLAIN,),
    )
    assert list(
        RelatedProduct.objects.filter(product_id=PLAIN)
        .order_by("related_id")
        .values_list("related_id", "relation")
    ) == [(r[0], r[1]) for r in relations]


def _stock_label(stock: int) -> str:
    # The plugin's stock mode, as the sandbox answers it.
    return "no" if stock <= 0 else "few" if stock <= 3 else "yes"


def test_reference_data_is_copied(centra_sandbox: Sandbox) -> None:
    store = centra_sandbox.store
    full_sync(trigger="command")

    sek = Pricelist.objects.get(pk=1)
    assert (sek.name, sek.currency, sek.is_default) == ("Sweden SEK", "SEK", True)
    assert sek.currency_format["suffix"] == " SEK"
    us = Country.objects.get(pk="US")
    assert (us.market_id, us.pricelist_id, us.language_id, us.ship_to) == (2, 3, "en", True)
    assert not Country.objects.get(pk="CH").ship_to
    assert sorted(State.objects.filter(country_id="US").values_list("code", flat=True)) == [
        r[0] for r in store.all("SELECT code FROM states WHERE country = 'US' ORDER BY code")
    ]
    shoes = Category.objects.get(uri="womens/shoes")
    assert shoes.parent.uri == "womens"
    assert CategoryText.objects.get(category=shoes, language_id="sv").name_path == ["Dam", "Skor"]
    # The unpublished category is not listed by Centra, so not copied.
    assert not Category.objects.filter(uri="womens/capsule").exists()


def test_a_second_run_changes_nothing(centra_sandbox: Sandbox) -> None:
    first = full_sync(trigger="command")
    before = upstream.snapshot()

    second = full_sync(trigger="schedule")

    assert second.status == SyncRun.Status.SUCCEEDED
    assert second.counts == upstream.zero_counts()
    assert upstream.snapshot() == before
    assert second.calls == first.calls
    # Only the narrow rows that say where a product is sold are marked again; the content
    # rows, unchanged, are not written at all.
    assert set(ProductMarket.objects.values_list("last_seen_run", flat=True)) == {second.pk}
    assert set(Product.objects.values_list("last_seen_run", flat=True)) == {first.pk}
    assert set(ProductText.objects.values_list("last_seen_run", flat=True)) == {first.pk}
    assert set(ProductPrice.objects.values_list("last_seen_run", flat=True)) == {first.pk}


def test_a_deactivated_product_disappears_after_the_next_run(
    centra_sandbox: Sandbox, control: httpx.Client
) -> None:
    full_sync(trigger="command")
    texts = ProductText.objects.filter(product_id=PLAIN).count()
    prices = ProductPrice.objects.filter(product_id=PLAIN).count()
    items = Item.objects.filter(product_id=PLAIN).count()
    links = ProductMarket.objects.filter(product_id=PLAIN).count()
    assert control.put(f"products/{PLAIN}", json={"active": False}).status_code == 200

    run = full_sync(trigger="command")

    assert run.status == SyncRun.Status.SUCCEEDED
    assert not Product.objects.filter(pk=PLAIN).exists()
    assert not ProductText.objects.filter(product_id=PLAIN).exists()
    assert run.counts["product"] == {"created": 0, "updated": 0, "deleted": 1}
    assert run.counts["producttext"]["deleted"] == texts
    assert run.counts["productprice"]["deleted"] == prices
    assert run.counts["item"]["deleted"] == items
    assert run.counts["productmarket"]["deleted"] == links
    assert upstream.local_counts() == upstream.counts(centra_sandbox.store)


def test_a_price_change_shows_up_after_the_next_run(
    centra_sandbox: Sandbox, control: httpx.Client
) -> None:
    full_sync(trigger="command")
    changed = control.put(f"products/{PLAIN}", json={"prices": {"1": {"price": 1234.5}, "3": None}})
    assert changed.status_code == 200

    run = full_sync(trigger="command")

    price = ProductPrice.objects.get(product_id=PLAIN, pricelist_id=1)
    assert price.price == Decimal("1234.5")
    assert price.price_before_discount == Decimal("1234.5")
    assert price.price_text == "1 234.50 SEK"
    assert not ProductPrice.objects.filter(product_id=PLAIN, pricelist_id=3).exists()
    assert run.counts["productprice"] == {"created": 0, "updated": 1, "deleted": 1}
    # modifiedAt moved with the change, so the product row itself changed too.
    assert run.counts["product"] == {"created": 0, "updated": 1, "deleted": 0}


def test_a_renamed_product_gets_the_new_name_in_that_language_only(
    control: httpx.Client,
) -> None:
    full_sync(trigger="command")
    english = ProductText.objects.get(product_id=PLAIN, language_id="en").name
    control.put(f"products/{PLAIN}", json={"names": {"sv": "Nytt namn"}})

    run = full_sync(trigger="command")

    assert ProductText.objects.get(product_id=PLAIN, language_id="sv").name == "Nytt namn"
    assert ProductText.objects.get(product_id=PLAIN, language_id="en").name == english
    assert run.counts["producttext"] == {"created": 0, "updated": 1, "deleted": 0}
