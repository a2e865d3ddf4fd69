"""The catalog's admin: sync status and runs, "Resync now", webhook events and their
re-processing, and read-only catalog browsing with bounded queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.admin import format_counts, sync_status
from catalog.models import (
    Brand,
    Category,
    Collection,
    Country,
    Item,
    Language,
    Market,
    Pricelist,
    Product,
    ProductCategory,
    ProductMarket,
    ProductPrice,
    ProductText,
    SyncRun,
    WebhookEvent,
)

pytestmark = pytest.mark.django_db

SYNCRUNS = reverse("admin:catalog_syncrun_changelist")
RESYNC = reverse("admin:catalog_syncrun_resync")
EVENTS = reverse("admin:catalog_webhookevent_changelist")
PRODUCTS = reverse("admin:catalog_product_changelist")


def staff_client(django_user_model, *codenames: str) -> Client:
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def full_run(finished_ago: timedelta | None, status: str = SyncRun.Status.SUCCEEDED) -> SyncRun:
    run = SyncRun.objects.create(kind=SyncRun.Kind.FULL, trigger="command", status=status)
    # started_at is auto_now_add: set both times after creation.
    finished = None if finished_ago is None else timezone.now() - finished_ago
    started = (finished or timezone.now()) - timedelta(seconds=42)
    SyncRun.objects.filter(pk=run.pk).update(started_at=started, finished_at=finished)
    run.refresh_from_db()
    return run


def make_catalog(products: int) -> list[Product]:
    """A small catalog: one market, two pricelists, two languages, every product priced and
    named in each, with two items."""
    Market.objects.create(id=1, name="Default market", is_default=True)
    pricelists = [
        Pricelist.objects.create(id=19, name="Sweden", currency="SEK", is_default=True),
        Pricelist.objects.create(id=20, name="Europe", currency="EUR"),
    ]
    languages = [
        Language.objects.create(code="en", name="English", is_default=True),
        Language.objects.create(code="sv", name="Swedish"),
    ]
    brand = Brand.objects.create(id=5, name="Acme", uri="acme")
    collection = Collection.objects.create(id=3, name="Summer", uri="summer")
    category = Category.objects.create(id=7, uri="shoes")
    made = []
    for n in range(1, products + 1):
        product = Product.objects.create(
            id=n,
            uri=f"product-{n}",
            sku=f"SKU{n}",
            brand=brand,
            collection=collection,
            category=category,
        )
        ProductMarket.objects.create(product=product, market_id=1)
        ProductCategory.objects.create(product=product, category=category)
        for pricelist, amount in zip(pricelists, (Decimal("100"), Decimal("10")), strict=True):
            price = amount + n
            ProductPrice.objects.create(
                product=product,
                pricelist=pricelist,
                price=price,
                price_before_discount=price,
                price_text=f"{price:.2f} {pricelist.currency}",
                price_before_discount_text=f"{price:.2f} {pricelist.currency}",
            )
        for language in languages:
            ProductText.objects.create(
                product=product, language=language, name=f"Shoe {n} ({language.code})"
            )
        for size in (1, 2):
            Item.objects.create(
                id=f"{n}-{size}",
                product=product,
                name=f"size {size}",
                stock="yes",
                stock_state="in_stock",
            )
        made.append(product)
    return made


# -- sync status ---------------------------------------------------------------------------------


def test_status_without_any_full_sync_warns(admin_client: Client) -> None:
    response = admin_client.get(SYNCRUNS)

    assert response.status_code == 200
    assert b"No successful full sync yet" in response.content
    assert sync_status().is_stale is True


def test_recent_full_sync_is_shown_with_its_age_and_no_warning(
    admin_client: Client, settings
) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 720
    run = full_run(timedelta(hours=2))

    response = admin_client.get(SYNCRUNS)

    text = response.content.decode()
    assert f"Last successful full sync: {run.finished_at:%Y-%m-%d %H:%M:%S} UTC" in text
    assert "(2\xa0hours ago)" in text
    assert 'class="warning"' not in text
    assert sync_status().is_stale is False


def test_old_full_sync_shows_a_warning(admin_client: Client, settings) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 720
    full_run(timedelta(hours=13))

    text = admin_client.get(SYNCRUNS).content.decode()

    assert '<li class="warning">The last successful full sync finished 13\xa0hours ago' in text
    assert "longer ago than the\n        720-minute threshold" in text


def test_a_partial_sync_does_not_count_as_fresh(admin_client: Client) -> None:
    SyncRun.objects.create(
        kind=SyncRun.Kind.PARTIAL, trigger="webhook", status="succeeded", finished_at=timezone.now()
    )

    assert b"No successful full sync yet" in admin_client.get(SYNCRUNS).content


def test_a_full_sync_failing_after_the_last_success_is_shown(admin_client: Client) -> None:
    full_run(timedelta(hours=3))
    failed = full_run(timedelta(hours=1), status=SyncRun.Status.FAILED)
    SyncRun.objects.filter(pk=failed.pk).update(error="CentraUnavailable: 503 from POST products")

    text = admin_client.get(SYNCRUNS).content.decode()

    assert f"Full sync #{failed.pk} failed" in text
    assert "CentraUnavailable: 503 from POST products" in text


def test_runs_are_listed_with_counts_calls_duration_and_error(admin_client: Client) -> None:
    run = full_run(timedelta(minutes=5), status=SyncRun.Status.FAILED)
    SyncRun.objects.filter(pk=run.pk).update(
        counts={"product": {"created": 5, "updated": 3, "deleted": 1}},
        calls=12,
        error="page 3 failed",
    )

    text = admin_client.get(SYNCRUNS).content.decode()

    row = text.split(
        f'<th class="field-run_display"><a href="/admin/catalog/syncrun/{run.pk}/change/">'
    )[1]
    row = row.split("</tr>")[0]
    assert '<span class="run-status run-failed">failed</span>' in row
    assert f'#{run.pk} <span title="command">full</span>' in row
    assert f'<td class="field-started_display">{run.started_at:%Y-%m-%d %H:%M}</td>' in row
    assert '<td class="field-products_display">+5 ~3 -1</td>' in row
    assert '<td class="field-calls">12</td>' in row
    assert '<td class="field-duration_display">42.0 s</td>' in row
    assert '<span title="page 3 failed">page 3 failed</span>' in row


def test_a_long_error_is_cut_in_the_list_and_whole_on_the_runs_page(admin_client: Client) -> None:
    run = full_run(timedelta(minutes=5), status=SyncRun.Status.FAILED)
    error = "CentraUnavailable: " + "x" * 400
    SyncRun.objects.filter(pk=run.pk).update(
        error=error, counts={"product": {"created": 5, "updated": 3, "deleted": 1}, "item": 7}
    )

    listed = admin_client.get(SYNCRUNS).content.decode()
    detail = admin_client.get(reverse("admin:catalog_syncrun_change", args=[run.pk]))

    cell = listed.split('<td class="field-error_display">')[1].split("</td>")[0]
    assert ">CentraUnavailable: " + "x" * 40 + "…</span>" in cell
    text = detail.content.decode()
    assert error in text
    assert "<tr><th>product</th><td>5</td><td>3</td><td>1</td></tr>" in text
    assert "<tr><th>item</th><td>7</td><td></td><td></td></tr>" in text


def test_format_counts() -> None:
    counts = {"product": {"created": 2, "updated": 0, "deleted": 4}, "price": {"created": 1}}
    assert format_counts(counts) == "product +2 ~0 -4, price +1 ~0 -0"
    assert format_counts({"calls": 3}) == "calls 3"
    assert format_counts(None) == ""


def test_sync_runs_are_read_only(admin_client: Client) -> None:
    run = full_run(timedelta(minutes=1))

    assert admin_client.get(reverse("admin:catalog_syncrun_add")).status_code == 403
    assert admin_client.post(
        reverse("admin:catalog_syncrun_delete", args=[run.pk])
    ).status_code == (403)
    change = admin_client.get(reverse("admin:catalog_syncrun_change", args=[run.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


# -- resync now ----------------------------------------------------------------------------------


def test_resync_button_posts_with_a_csrf_token(admin_client: Client) -> None:
    text = admin_client.get(SYNCRUNS).content.decode()

    assert f'<form method="post" action="{RESYNC}" class="resync-form">' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "Resync now" in text


def test_resync_now_runs_a_full_sync_recorded_with_trigger_admin(admin_client: Client) -> None:
    response = admin_client.post(RESYNC, follow=True)

    assert response.redirect_chain == [(SYNCRUNS, 302)]
    [run] = SyncRun.objects.all()
    assert (run.kind, run.trigger, run.status) == ("full", "admin", "succeeded")
    assert Product.objects.exists()
    assert "Full resync started" in response.content.decode()
    assert f"Last successful full sync: {run.finished_at:%Y-%m-%d %H:%M:%S}" in (
        response.content.decode()
    )


def test_resync_refuses_get(admin_client: Client) -> None:
    assert admin_client.get(RESYNC).status_code == 405
    assert not SyncRun.objects.exists()


def test_resync_needs_a_csrf_token(django_user_model) -> None:
    user = django_user_model.objects.create_superuser("boss", password="pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(RESYNC).status_code == 403
    assert not SyncRun.objects.exists()


def test_resync_is_refused_to_non_staff(django_user_model) -> None:
    user = django_user_model.objects.create_user("shopper", password="pw")
    client = Client()
    client.force_login(user)

    response = client.post(RESYNC)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not SyncRun.objects.exists()


def test_resync_is_refused_to_staff_without_the_permission(django_user_model) -> None:
    client = staff_client(django_user_model, "view_syncrun")

    page = client.get(SYNCRUNS)
    assert page.status_code == 200
    assert b"Resync now" not in page.content
    assert client.post(RESYNC).status_code == 403
    assert not SyncRun.objects.exists()


def test_resync_is_allowed_to_staff_with_the_permission(django_user_model) -> None:
    client = staff_client(django_user_model, "view_syncrun", "add_syncrun")

    assert b"Resync now" in client.get(SYNCRUNS).content
    assert client.post(RESYNC).status_code == 302
    assert SyncRun.objects.get().trigger == "admin"


# -- webhook events ------------------------------------------------------------------------------


def test_events_are_listed_with_status_signature_ids_and_error(admin_client: Client) -> None:
    WebhookEvent.objects.create(
        status=WebhookEvent.Status.FAILED,
        signature_valid=True,
        object_ids={"products": ["12", "13"], "brands": ["5"]},
        error="CentraUnavailable: down",
    )
    WebhookEvent.objects.create(
        status=WebhookEvent.Status.REJECTED, signature_valid=False, error="timestamp too old"
    )

    text = admin_client.get(EVENTS).content.decode()

    assert '<td class="field-status">Failed</td>' in text
    assert '<td class="field-status">Rejected</td>' in text
    assert "products: 12, 13; brands: 5" in text
    assert "CentraUnavailable: down" in text
    assert "timestamp too old" in text
    assert 'alt="True"' in text
    assert 'alt="False"' in text


def test_reprocess_action_queues_failed_events_only(
    admin_client: Client, django_capture_on_commit_callbacks
) -> None:
    failed = WebhookEvent.objects.create(
        status=WebhookEvent.Status.FAILED, object_ids={"products": ["1"]}, error="boom"
    )
    rejected = WebhookEvent.objects.create(status=WebhookEvent.Status.REJECTED, error="bad")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            EVENTS,
            {"action": "reprocess", "_selected_action": [failed.pk, rejected.pk]},
            follow=True,
        )

    text = response.content.decode()
    assert "1 failed event(s) queued again." in text
    assert "1 event(s) skipped: only failed events can be re-processed" in text
    failed.refresh_from_db()
    rejected.refresh_from_db()
    assert (failed.status, failed.error) == (WebhookEvent.Status.QUEUED, "")
    assert (rejected.status, rejected.error) == (WebhookEvent.Status.REJECTED, "bad")
    assert len(callbacks) == 1


def test_reprocess_action_applies_the_event(
    admin_client: Client, django_capture_on_commit_callbacks
) -> None:
    # 101 is the sandbox demo catalog's first product.
    failed = WebhookEvent.objects.create(
        status=WebhookEvent.Status.FAILED, object_ids={"products": ["101"]}, error="boom"
    )

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(EVENTS, {"action": "reprocess", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert (failed.status, failed.error) == (WebhookEvent.Status.PROCESSED, "")
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.status, run.product_ids) == (
        "partial",
        "webhook",
        "succeeded",
        [101],
    )
    assert Product.objects.filter(pk=101).exists()


def test_reprocess_action_needs_the_change_permission(django_user_model) -> None:
    failed = WebhookEvent.objects.create(status=WebhookEvent.Status.FAILED, error="boom")
    client = staff_client(django_user_model, "view_webhookevent")

    page = client.get(EVENTS)
    assert page.status_code == 200
    assert b'value="reprocess"' not in page.content
    client.post(EVENTS, {"action": "reprocess", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == WebhookEvent.Status.FAILED


def test_event_detail_shows_payload_and_raw_body(admin_client: Client) -> None:
    event = WebhookEvent.objects.create(
        status=WebhookEvent.Status.PROCESSED,
        raw_body="payload=%7B%22products%22%3A%5B%221%22%5D%7D",
        payload={"products": ["1"]},
        object_ids={"products": ["1"]},
    )

    text = admin_client.get(reverse("admin:catalog_webhookevent_change", args=[event.pk])).content
    assert b"payload=%7B%22products%22%3A%5B%221%22%5D%7D" in text
    assert b"&quot;products&quot;: [\n    &quot;1&quot;\n  ]" in text
    assert b'name="_save"' not in text


# -- read-only catalog ---------------------------------------------------------------------------


def test_product_page_shows_prices_per_pricelist_and_texts_per_language(
    admin_client: Client,
) -> None:
    [product] = make_catalog(1)

    response = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Prices per pricelist" in text
    assert "Sweden (SEK)" in text
    assert "101.00 SEK" in text
    assert "Europe (EUR)" in text
    assert "11.00 EUR" in text
    assert "Texts per language" in text
    assert "Shoe 1 (en)" in text
    assert "Shoe 1 (sv)" in text
    assert "Swedish" in text
    assert "1-2" in text
    assert 'name="_save"' not in text


def test_product_list_shows_the_default_language_name(admin_client: Client) -> None:
    make_catalog(2)

    text = admin_client.get(PRODUCTS).content.decode()

    assert (
        '<td class="field-name"><a href="/admin/catalog/product/2/change/">Shoe 2 (en)</a></td>'
        in text
    )
    assert "Shoe 2 (sv)" not in text


def test_product_list_shows_image_sku_price_stock_markets_publication_and_shop_link(
    admin_client: Client,
) -> None:
    first, second, third = make_catalog(3)
    Product.objects.filter(pk=1).update(media={"standard": ["/m/1.jpg"], "thumb": ["/m/1-t.jpg"]})
    Item.objects.filter(product=second).update(stock="0", stock_state="out_of_stock")
    Item.objects.filter(pk="1-2").update(stock="no", stock_state="out_of_stock")
    Market.objects.create(id=2, name="VIP")
    ProductMarket.objects.create(product=first, market_id=2)
    ProductMarket.objects.filter(product=third).delete()
    ProductPrice.objects.filter(product=third, pricelist_id=19).update(price_text="")
    Pricelist.objects.filter(pk=19).update(
        currency_format={"suffix": " SEK", "decimalPoint": ".", "decimalDigits": "2"}
    )

    text = admin_client.get(PRODUCTS).content.decode()

    def row(pk: int) -> str:
        start = f'<tr><th class="field-thumbnail"><a href="/admin/catalog/product/{pk}/change/">'
        return text.split(start)[1].split("</tr>")[0]

    assert (
        '<img src="/m/1-t.jpg" alt="" width="32" height="40" loading="lazy" class="thumb">'
        in row(1)
    )
    assert 'title="no image"' in row(2)
    assert '<td class="field-sku">SKU1</td>' in row(1)
    # The default pricelist's (19, SEK) price as Centra formatted it; formatted from the
    # currency's format when the string is missing.
    assert '<td class="field-price_display">101.00 SEK</td>' in row(1)
    assert '<td class="field-price_display">103.00 SEK</td>' in row(3)
    assert '<td class="field-stock_display">1 of 2</td>' in row(1)
    assert '<td class="field-stock_display">sold out</td>' in row(2)
    assert '<td class="field-stock_display">2 of 2</td>' in row(3)
    assert '<td class="field-markets_display">Default market, VIP</td>' in row(1)
    assert '<td class="field-markets_display">-</td>' in row(3)
    assert 'alt="True"' in row(1)
    assert 'alt="False"' in row(3)
    assert '<a href="/shoes/product-1" target="_blank" rel="noopener">view</a>' in row(1)


def test_product_page_links_to_the_product_in_the_shop(admin_client: Client) -> None:
    [product] = make_catalog(1)

    text = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    assert b'<a href="/shoes/product-1" class="viewsitelink">View on site</a>' in text.content


def product_list_queries(client: Client, url: str = PRODUCTS) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_product_list_queries_do_not_grow_with_the_catalog(
    admin_client: Client, django_assert_max_num_queries
) -> None:
    make_catalog(3)
    product_list_queries(admin_client)  # warm: session, content types
    few = product_list_queries(admin_client)
    Product.objects.all().delete()
    Market.objects.all().delete()
    Pricelist.objects.all().delete()
    Language.objects.all().delete()
    Brand.objects.all().delete()
    Collection.objects.all().delete()
    Category.objects.all().delete()
    make_catalog(40)

    # session, user, count, page of products (category joined; name, price, stock and
    # publication as subqueries), their markets, and the two filters' choices.
    with django_assert_max_num_queries(7):
        assert admin_client.get(PRODUCTS).status_code == 200
    assert product_list_queries(admin_client) == few


def test_product_page_queries_are_bounded(
    admin_client: Client, django_assert_max_num_queries
) -> None:
    [product] = make_catalog(1)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    admin_client.get(url)

    # session, user, product (with its markets), one per inline (6), brand, collection,
    # category.
    with django_assert_max_num_queries(13):
        assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["item", "market", "pricelist", "language", "country", "brand", "collection", "category"],
)
def test_other_catalog_lists_load_with_bounded_queries(
    admin_client: Client, django_assert_max_num_queries, name: str
) -> None:
    make_catalog(20)
    Country.objects.create(code="SE", name="Sweden", market_id=1, pricelist_id=19, language_id="sv")
    Country.objects.create(
        code="DE", name="Germany", market_id=1, pricelist_id=20, language_id="en"
    )
    url = reverse(f"admin:catalog_{name}_changelist")
    admin_client.get(url)

    with django_assert_max_num_queries(6):
        assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("name", "key"),
    [("product", 1), ("item", "1-1"), ("market", 1), ("pricelist", 19), ("category", 7)],
)
def test_catalog_rows_cannot_be_added_changed_or_deleted(
    admin_client: Client, name: str, key: object
) -> None:
    make_catalog(1)
    model_counts = Product.objects.count(), Item.objects.count(), ProductPrice.objects.count()

    assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 403
    assert admin_client.post(reverse(f"admin:catalog_{name}_delete", args=[key])).status_code == (
        403
    )
    change = admin_client.post(reverse(f"admin:catalog_{name}_change", args=[key]), {"uri": "x"})
    assert change.status_code == 403
    assert (Product.objects.count(), Item.objects.count(), ProductPrice.objects.count()) == (
        model_counts
    )
    assert Product.objects.get().uri == "product-1"


# -- the admin index: catalog health at a glance ------------------------------------------------

INDEX = reverse("admin:index")


def _health(client: Client) -> str:
    text = client.get(INDEX).content.decode()
    return text.split('<div class="module catalog-health" id="catalog-health">')[1].split(
        "</table>"
    )[0]


def test_index_shows_the_last_full_sync_its_age_and_that_it_is_up_to_date(
    admin_client: Client, settings
) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 720
    run = full_run(timedelta(hours=2))

    health = _health(admin_client)

    assert f'<a href="/admin/catalog/syncrun/{run.pk}/change/">#{run.pk}</a>' in health
    assert "2\xa0hours ago" in health
    assert "up to date" in health
    assert 'class="bad"' not in health


def test_index_warns_of_a_stale_catalog_a_failed_sync_and_failed_webhooks(
    admin_client: Client, settings
) -> None:
    settings.CATALOG_SYNC_STALE_MINUTES = 60
    full_run(timedelta(hours=3))
    full_run(timedelta(hours=1), status=SyncRun.Status.FAILED)
    for status in ("failed", "failed", "queued", "processed"):
        WebhookEvent.objects.create(status=status)

    health = _health(admin_client)

    assert '<span class="bad">(stale)</span>' in health
    assert '<span class="bad">last run failed</span>' in health
    assert 'class="bad">2 failed</a>' in health
    assert "1 waiting" in health
    assert 'href="/admin/catalog/webhookevent/?status__exact=failed"' in health


def test_index_without_any_sync_says_never(admin_client: Client) -> None:
    health = _health(admin_client)
    assert '<span class="bad">never</span>' in health
    assert '<span class="bad">stale</span>' in health


def test_index_counts_products_per_market_sizes_in_stock_and_categories(
    admin_client: Client,
) -> None:
    make_catalog(3)
    Market.objects.create(id=2, name="VIP")
    ProductMarket.objects.create(product_id=1, market_id=2)
    Item.objects.filter(product_id=2).update(stock="no", stock_state="out_of_stock")

    health = _health(admin_client)

    assert '<a href="/admin/catalog/product/">3</a> (market: Default market 3, VIP 1)' in health
    assert "<td>4 of 6</td>" in health
    assert '<th scope="row">Categories</th>\n        <td>1</td>' in health


def test_index_queries_do_not_grow_with_the_catalog(admin_client: Client) -> None:
    make_catalog(2)
    full_run(timedelta(hours=1))
    product_list_queries(admin_client, INDEX)  # warm
    few = product_list_queries(admin_client, INDEX)
    for n in range(3, 30):
        Product.objects.create(id=n, uri=f"more-{n}")
        ProductMarket.objects.create(product_id=n, market_id=1)
        WebhookEvent.objects.create(status="failed")

    assert product_list_queries(admin_client, INDEX) == few
