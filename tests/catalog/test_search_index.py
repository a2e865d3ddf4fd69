"""The search index follows the sync: built by a full sync, refreshed by a webhook's partial
sync before its task ends, relabelled when category or brand names change."""

from __future__ import annotations

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.context import ShopperContext, build_context
from catalog.models import Language, Product, SearchDocument, SyncRun, WebhookEvent
from catalog.reference import get_reference
from catalog.selectors import search_products
from catalog.signals import catalog_changed
from catalog.sync import full_sync, refresh_reference, sync_products
from centra_sandbox import Sandbox
from centra_sandbox.webhooks_out import wait_for_webhooks

pytestmark = pytest.mark.django_db

PLAIN = 101  # "Relaxed Blazer" in the demo, sold in markets 1, 2 and 3
SECRET = "whsec-search-test"


@pytest.fixture
def synced(centra_sandbox: Sandbox) -> SyncRun:
    run = full_sync(trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    centra_sandbox.reset_counts()
    return run


def english() -> ShopperContext:
    ref = get_reference()
    return build_context(ref, country=ref.countries["SE"], language="en")


def found(q: str) -> set[int]:
    return {card.id for card in search_products(english(), q, per_page=1000).products}


def test_a_full_sync_indexes_every_product_in_every_language(synced: SyncRun) -> None:
    languages = set(Language.objects.values_list("code", flat=True))

    assert SearchDocument.objects.count() == Product.objects.count() * len(languages) > 0
    document = SearchDocument.objects.get(product_id=PLAIN, language_id="sv")
    assert document.config == "swedish"
    assert "Kavaj" in document.name
    assert "Jackor" in document.labels  # its category's Swedish name


def test_a_webhook_renamed_product_is_found_by_its_new_name_when_the_task_ends(
    client: Client,
    settings,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    control: httpx.Client,
    django_capture_on_commit_callbacks,
) -> None:
    settings.CENTRA_WEBHOOK_SECRET = SECRET
    assert PLAIN in found("blazer")
    assert found("zephyrine") == set()
    received: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        request.read()
        received.append(request)
        return httpx.Response(200, json={})

    centra_sandbox.config.webhook_url = "http://storefront.test/webhooks/centra/"
    centra_sandbox.config.webhook_secret = SECRET
    centra_sandbox.config.webhook_transport = httpx.MockTransport(receive)
    renamed = control.put(f"products/{PLAIN}", json={"names": {"en": "Zephyrine Anorak"}})
    assert renamed.status_code == 200, renamed.text
    assert wait_for_webhooks(centra_sandbox)
    [request] = received

    # The endpoint stores the delivery and, on commit, the (in-process) task applies it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webhooks/centra/",
            data=request.content,
            content_type=request.headers["Content-Type"],
            HTTP_X_CENTRA_SIGNATURE=request.headers["X-Centra-Signature"],
        )

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert found("zephyrine") == {PLAIN}
    assert found("anorak") == {PLAIN}
    assert found("zephyrin") == {PLAIN}  # still being typed
    assert found("zephyrnie") == {PLAIN}  # a typo of the new word: the vocabulary follows
    assert SearchDocument.objects.get(product_id=PLAIN, language_id="en").name == (
        "Zephyrine Anorak"
    )


def test_a_partial_sync_drops_a_deactivated_products_documents(
    synced: SyncRun, control: httpx.Client, django_capture_on_commit_callbacks
) -> None:
    assert PLAIN in found("relaxed blazer")
    control.put(f"products/{PLAIN}", json={"active": False})

    with django_capture_on_commit_callbacks(execute=True):
        sync_products([PLAIN], trigger="webhook")

    assert not SearchDocument.objects.filter(product_id=PLAIN).exists()
    assert PLAIN not in found("relaxed blazer")


def test_a_renamed_brand_relabels_its_products(
    centra_sandbox: Sandbox, synced: SyncRun, django_capture_on_commit_callbacks
) -> None:
    brand_products = set(
        Product.objects.filter(brand_id=1, market_links__market_id=1).values_list("pk", flat=True)
    )
    centra_sandbox.store.db.execute("UPDATE brands SET name = 'Quillfeather' WHERE id = 1")

    with django_capture_on_commit_callbacks(execute=True):
        refresh_reference(["brands"], trigger="webhook")

    assert brand_products
    assert found("quillfeather") == brand_products
    assert found("nordvik") == set()


def _listen() -> tuple[list[frozenset[int]], object]:
    heard: list[frozenset[int]] = []

    def listen(sender: type, product_ids: frozenset, **kwargs: object) -> None:
        heard.append(product_ids)

    return heard, listen


def test_a_burst_of_price_edits_leaves_the_documents_alone_and_is_announced_once(
    centra_sandbox: Sandbox,
    synced: SyncRun,
    control: httpx.Client,
    django_capture_on_commit_callbacks,
) -> None:
    sold = Product.objects.filter(market_links__market_id=1).order_by("pk")
    named = list(sold.values_list("pk", flat=True))[:20]
    for n, product in enumerate(named):
        edited = control.put(f"products/{product}", json={"prices": {"1": {"price": 500 + n}}})
        assert edited.status_code == 200, edited.text
    documents = set(SearchDocument.objects.values_list("pk", flat=True))
    heard, listen = _listen()
    catalog_changed.connect(listen)
    try:
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            run = sync_products(named, trigger="webhook")
    finally:
        catalog_changed.disconnect(listen)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.counts["productprice"]["updated"] == len(named)
    # Nine pages (3 markets x 3 languages) wrote changes: one notice, naming every product.
    assert heard == [frozenset(named)]
    assert not [q["sql"] for q in captured.captured_queries if "searchdocument" in q["sql"]]
    assert set(SearchDocument.objects.values_list("pk", flat=True)) == documents


def test_a_partial_sync_refreshes_only_the_renamed_products_documents_once(
    synced: SyncRun, control: httpx.Client, django_capture_on_commit_callbacks
) -> None:
    others = list(Product.objects.exclude(pk=PLAIN).order_by("pk").values_list("pk", flat=True))
    control.put(f"products/{PLAIN}", json={"names": {"en": "Zephyrine Anorak"}})
    control.put(f"products/{others[0]}", json={"prices": {"1": {"price": 77}}})
    kept = set(SearchDocument.objects.exclude(product_id=PLAIN).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        run = sync_products([PLAIN, *others[:10]], trigger="webhook")

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert set(SearchDocument.objects.exclude(product_id=PLAIN).values_list("pk", flat=True)) == (
        kept
    )
    assert found("zephyrine") == {PLAIN}
