"""Webhooks under abuse and failure: refusals counted but never stored, a bounded record, a
rate limit per address, ids within Centra's range, deep nesting, retries with backoff after
Centra errors, a refused id isolated from its batch, and bursts fetched once per id."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import httpx
import pytest
from celery.exceptions import Retry
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from catalog import webhook_batches, webhook_rejections, webhook_schedule
from catalog.models import Product, ProductPrice, RejectedWebhook, SyncRun, WebhookEvent
from catalog.sync import full_sync
from catalog.tasks import process_webhook_events_task
from centra_sandbox import Sandbox
from centra_sandbox.webhooks_out import encode_payload, signature_header

pytestmark = pytest.mark.django_db

URL = "/webhooks/centra/"
SECRET = "whsec-hardening"
FORM = "application/x-www-form-urlencoded"
Status = WebhookEvent.Status


@pytest.fixture
def signed(settings) -> str:
    settings.CENTRA_WEBHOOK_SECRET = SECRET
    return SECRET


@pytest.fixture
def synced(centra_sandbox: Sandbox) -> SyncRun:
    run = full_sync(trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    centra_sandbox.reset_counts()
    return run


def post(client: Client, body: str | bytes, signature: str | None = None, **extra: str):
    headers = {"HTTP_X_CENTRA_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type=FORM, **headers, **extra)


def deliver(client: Client, payload: dict, **extra: str):
    body = encode_payload(payload)
    return post(client, body, signature_header(SECRET, int(time.time()), body), **extra)


# -- receiving ----------------------------------------------------------------------------------


def test_a_signed_deeply_nested_payload_is_recorded_and_answered_400(
    client: Client, signed: str
) -> None:
    body = "payload=" + "%5B" * 10_000 + "%5D" * 10_000
    response = post(client, body, signature_header(SECRET, int(time.time()), body))

    assert response.status_code == 400
    assert response.json() == {"errors": {"payload": "payload nested too deeply"}}
    [event] = WebhookEvent.objects.all()
    assert (event.status, event.signature_valid, event.error) == (
        Status.REJECTED,
        True,
        "payload nested too deeply",
    )
    assert event.raw_body == body


@pytest.mark.parametrize("bad_id", ["2147483648", "123456789012345678", "²", "١٢"])
def test_ids_outside_centras_range_are_refused_on_receipt(
    client: Client, signed: str, bad_id: str
) -> None:
    response = deliver(client, {"products": ["12", bad_id]})

    assert response.status_code == 400
    [event] = WebhookEvent.objects.all()
    assert event.status == Status.REJECTED
    assert event.object_ids == {}


def test_the_largest_id_centra_uses_is_accepted(client: Client, signed: str) -> None:
    assert deliver(client, {"products": [str(2**31 - 1)]}).status_code == 200


def test_forged_deliveries_are_counted_never_stored(client: Client, signed: str) -> None:
    body = ("payload=" + "é" * 20_000).encode()  # non-ASCII, ~40 KB
    for _ in range(100):
        assert post(client, body, "t=1,v1=" + "0" * 64).status_code == 401

    assert not WebhookEvent.objects.exists()
    [refusal] = RejectedWebhook.objects.all()
    assert (refusal.count, refusal.source) == (100, "127.0.0.1")
    assert len(refusal.first_bytes) <= 200
    assert refusal.first_bytes.startswith("payload=\\xc3\\xa9")


def test_the_record_of_refusals_is_bounded_and_cleans_itself() -> None:
    old = timezone.now() - webhook_rejections.KEEP - timedelta(minutes=1)
    RejectedWebhook.objects.create(
        source="192.0.2.1", reason="old", count=3, first_at=old, last_at=old
    )
    for n in range(webhook_rejections.MAX_ROWS + 20):
        webhook_rejections.record(f"10.0.{n // 256}.{n % 256}", "401 signature: x", b"x")

    assert RejectedWebhook.objects.count() == webhook_rejections.MAX_ROWS
    assert not RejectedWebhook.objects.filter(reason="old").exists()
    # The most recent senders are the ones kept.
    last = webhook_rejections.MAX_ROWS + 19
    assert RejectedWebhook.objects.filter(source=f"10.0.{last // 256}.{last % 256}").exists()


def test_deliveries_are_rate_limited_per_source_address(
    client: Client, signed: str, settings
) -> None:
    settings.CATALOG_WEBHOOK_RATE_LIMIT = 3
    if 60 - time.time() % 60 < 5:  # the bucket refills at the minute's start: not mid-test
        time.sleep(60 - time.time() % 60 + 0.1)
    answers = [deliver(client, {"products": [str(n)]}).status_code for n in range(1, 6)]
    other = deliver(client, {"products": ["9"]}, REMOTE_ADDR="192.0.2.7")

    assert answers == [200, 200, 200, 429, 429]
    assert other.status_code == 200
    limited = post(client, "payload=%7B%7D")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert WebhookEvent.objects.count() == 4
    [refusal] = RejectedWebhook.objects.all()
    assert (refusal.source, refusal.reason, refusal.count) == (
        "127.0.0.1",
        "429 rate: too many deliveries from this address",
        3,
    )


# -- processing -----------------------------------------------------------------------------


@pytest.fixture
def worker_mode():
    """The task as a real worker runs it (Celery's retries on), not in-process."""
    conf = process_webhook_events_task.app.conf
    conf.task_always_eager = False
    yield
    conf.task_always_eager = True


def queue_events(product_ids: list[list[int]]) -> list[int]:
    events = [
        WebhookEvent.objects.create(
            status=Status.QUEUED, object_ids={"products": [str(i) for i in ids]}
        )
        for ids in product_ids
    ]
    return [event.pk for event in events]


def test_a_batch_failing_on_a_few_503s_is_retried_with_backoff_and_applied(
    synced: SyncRun, control: httpx.Client, worker_mode, settings
) -> None:
    settings.CATALOG_WEBHOOK_RETRY_BACKOFF = 10
    first, second = Product.objects.order_by("id").values_list("id", flat=True)[:2]
    queue_events([[first], [second]])
    ProductPrice.objects.filter(product_id=first).update(price=1)
    # Four 503s: more than the client's own three retries of one call.
    rule = {"route": "POST products", "status": 503, "count": 4}
    assert control.put("faults", json={"errors": [rule]}).status_code == 200

    with pytest.raises(Retry) as retried:
        process_webhook_events_task.apply(throw=True)

    assert 5 <= float(retried.value.when) <= 10  # half to all of the first backoff
    statuses = set(WebhookEvent.objects.values_list("status", flat=True))
    assert statuses == {Status.QUEUED}
    assert WebhookEvent.objects.first().error.startswith("will retry: partial sync #")

    result = process_webhook_events_task.apply(retries=1, throw=True).get()

    assert result["error"] == ""
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {Status.PROCESSED}
    assert not ProductPrice.objects.filter(product_id=first, price=1).exists()


def test_the_last_retry_marks_the_events_failed_for_staff(
    synced: SyncRun, control: httpx.Client, worker_mode, settings
) -> None:
    settings.CATALOG_WEBHOOK_MAX_RETRIES = 2
    queue_events([[Product.objects.order_by("id").values_list("id", flat=True)[0]]])
    control.put("faults", json={"down": "503"})

    result = process_webhook_events_task.apply(retries=2, throw=True).get()

    assert result["retry"] is False
    [(status, error)] = WebhookEvent.objects.values_list("status", "error")
    assert status == Status.FAILED
    assert error.startswith("partial sync #")


def test_a_refused_id_fails_only_the_events_naming_it(
    synced: SyncRun, centra_sandbox: Sandbox
) -> None:
    good = list(Product.objects.order_by("id").values_list("id", flat=True)[:4])
    ProductPrice.objects.filter(product_id__in=good).update(price=1)
    # Stored before ids were checked on receipt: an 18-digit id Centra answers 400 to.
    bad = 123456789012345678
    only_good, with_bad = queue_events([[good[0], good[1]], [good[2], bad, good[3]]])

    result = webhook_batches.process_queued_events()

    assert result.refused_ids == [bad]
    assert WebhookEvent.objects.get(pk=only_good).status == Status.PROCESSED
    failed = WebhookEvent.objects.get(pk=with_bad)
    assert failed.status == Status.FAILED
    assert str(bad) in failed.error
    # Every accepted id was applied, the bad one's batch-mates included.
    assert not ProductPrice.objects.filter(product_id__in=good, price=1).exists()


def test_a_burst_naming_the_same_products_costs_one_fetch_per_id(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    django_capture_on_commit_callbacks,
    settings,
) -> None:
    settings.CATALOG_WEBHOOK_RATE_LIMIT = 0
    products = list(Product.objects.order_by("id").values_list("id", flat=True)[:50])
    ProductPrice.objects.filter(product_id__in=products).update(price=1)
    rng = random.Random(15)
    with django_capture_on_commit_callbacks():  # what a pause-waiting worker has not yet run
        for n in range(1000):
            named = rng.sample(products, 2) if n % 10 else [products[n // 10 % 50]]
            # Each a distinct delivery (a replay of an identical one would be ignored).
            payload = {"products": [str(i) for i in named], "warehouses": [str(n)]}
            assert deliver(client, payload).status_code == 200
    assert centra_sandbox.request_counts["*"] == 0

    result = process_webhook_events_task.apply(throw=True).get()  # the run after the pause

    assert len(result["events"]) == 1000
    assert sorted(result["products"]) == sorted(products)
    # 50 ids fit one page: one POST products per market x language (3 x 3).
    assert centra_sandbox.request_counts["POST products"] == 9
    assert centra_sandbox.request_counts["*"] == 9
    assert not ProductPrice.objects.filter(product_id__in=products, price=1).exists()


# -- when the run happens -----------------------------------------------------------------------


def test_the_run_waits_while_deliveries_keep_coming_but_not_past_the_max_delay(
    settings,
) -> None:
    settings.CATALOG_WEBHOOK_COALESCE_SECONDS = 2
    settings.CATALOG_WEBHOOK_MAX_DELAY_SECONDS = 30
    cache.set(webhook_schedule.PENDING_KEY, 1000.0)
    cache.set(webhook_schedule.LATEST_KEY, 1010.0)

    assert webhook_schedule.due_in(now=1011.0) == pytest.approx(1.0)  # a delivery 1 s ago
    assert webhook_schedule.due_in(now=1012.0) == 0  # a whole window of quiet
    cache.set(webhook_schedule.LATEST_KEY, 1029.5)
    assert webhook_schedule.due_in(now=1029.9) == pytest.approx(0.1)  # the max delay nears
    assert webhook_schedule.due_in(now=1030.0) == 0  # 30 s since the burst began: run now
    cache.clear()
    assert webhook_schedule.due_in(now=1030.0) == 0  # marks forgotten: run rather than wait


def test_a_run_clears_the_mark_so_the_next_delivery_schedules_again() -> None:
    cache.set(webhook_schedule.PENDING_KEY, 1.0)
    webhook_schedule.run_started()
    assert cache.add(webhook_schedule.PENDING_KEY, 2.0)
