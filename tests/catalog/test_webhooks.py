"""Centra's webhooks into the catalog: what the endpoint stores and answers for each kind of
delivery, and how queued events are coalesced into one partial sync."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from catalog import webhook_batches, webhooks
from catalog.models import (
    Category,
    Language,
    Market,
    Product,
    ProductPrice,
    RejectedWebhook,
    SyncRun,
    WebhookEvent,
)
from catalog.sync import full_sync
from centra_sandbox import Sandbox
from centra_sandbox.webhooks_out import encode_payload, signature_header, wait_for_webhooks

pytestmark = pytest.mark.django_db

URL = "/webhooks/centra/"
SECRET = "whsec-storefront-test"
FORM = "application/x-www-form-urlencoded"
Status = WebhookEvent.Status


@pytest.fixture
def signed(settings) -> str:
    settings.CENTRA_WEBHOOK_SECRET = SECRET
    return SECRET


def post(
    client: Client,
    body: str | bytes,
    *,
    signature: str | None = None,
    content_type: str = FORM,
) -> HttpResponse:
    headers = {"HTTP_X_CENTRA_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type=content_type, **headers)


def sign(body: str, t: int | None = None, secret: str = SECRET) -> str:
    return signature_header(secret, int(time.time()) if t is None else t, body)


def deliver(client: Client, payload: dict, *, t: int | None = None) -> HttpResponse:
    body = encode_payload(payload)
    return post(client, body, signature=sign(body, t))


def only_event() -> WebhookEvent:
    [event] = WebhookEvent.objects.all()
    return event


def only_refusal() -> RejectedWebhook:
    """The one counted refusal; a refused delivery is never stored as an event."""
    assert not WebhookEvent.objects.exists()
    [refusal] = RejectedWebhook.objects.all()
    return refusal


# -- what the endpoint stores and answers --------------------------------------------------------


def test_signed_delivery_is_stored_queued_and_processing_enqueued_on_commit(
    client: Client, signed: str, django_capture_on_commit_callbacks
) -> None:
    body = encode_payload({"products": ["12", "7", "12"]})
    t = int(time.time())
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, signature=sign(body, t))

    assert response.status_code == 200
    assert response.json() == {}
    event = only_event()
    assert event.status == Status.QUEUED
    assert event.signature_valid is True
    assert event.signature_timestamp == t
    assert event.raw_body == body
    assert event.payload == {"products": ["12", "7", "12"]}
    assert event.object_ids == {"products": ["7", "12"]}
    assert event.error == ""
    assert len(callbacks) == 1


def test_bad_signature_is_rejected_with_401_and_nothing_enqueued(
    client: Client, signed: str, django_capture_on_commit_callbacks
) -> None:
    body = encode_payload({"products": ["12"]})
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, signature=sign(body, secret="not-the-secret"))

    assert response.status_code == 401
    assert response.json() == {"errors": {"signature": "signature does not match"}}
    refusal = only_refusal()
    assert (refusal.source, refusal.reason, refusal.count) == (
        "127.0.0.1",
        "401 signature: signature does not match",
        1,
    )
    assert refusal.first_bytes == body[:120]
    assert callbacks == []


def test_tampered_body_is_rejected(client: Client, signed: str) -> None:
    body = encode_payload({"products": ["12"]})
    response = post(
        client, encode_payload({"products": ["13"]}), signature=sign(body, int(time.time()))
    )

    assert response.status_code == 401
    assert only_refusal().reason == "401 signature: signature does not match"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "missing signature header"),
        ("t=123", "malformed signature header"),
        ("v1=abc", "malformed signature header"),
    ],
)
def test_missing_or_malformed_signature_is_rejected(
    client: Client, signed: str, signature: str | None, reason: str
) -> None:
    response = post(client, encode_payload({"products": ["1"]}), signature=signature)

    assert response.status_code == 401
    assert only_refusal().reason == f"401 signature: {reason}"


def test_stale_timestamp_is_rejected(client: Client, signed: str) -> None:
    response = deliver(client, {"products": ["1"]}, t=int(time.time()) - 301)

    assert response.status_code == 401
    assert only_refusal().reason == "401 signature: timestamp too old"


def test_timestamp_far_in_the_future_is_rejected(client: Client, signed: str) -> None:
    response = deliver(client, {"products": ["1"]}, t=int(time.time()) + 600)

    assert response.status_code == 401
    assert only_refusal().reason == "401 signature: timestamp in the future"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ('{"products":["1"]}', "application/json", "not a form (application/json)"),
        ('{"products":["1"]}', FORM, "body is not a form"),
        ("products=%5B%221%22%5D", FORM, "no payload field"),
        ("payload=%7Bnope", FORM, "payload is not JSON"),
        ("payload=%5B%5D", FORM, "payload is not a JSON object"),
        (
            "payload=%7B%22products%22%3A%5B%7B%7D%5D%7D",
            FORM,
            "products: ids must be strings or integers",
        ),
    ],
)
def test_malformed_payload_is_rejected_with_400(
    client: Client,
    signed: str,
    django_capture_on_commit_callbacks,
    body: str,
    content_type: str,
    reason: str,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, body, signature=sign(body), content_type=content_type)

    assert response.status_code == 400
    assert response.json() == {"errors": {"payload": reason}}
    event = only_event()
    # The signature was good: only the content was refused.
    assert (event.status, event.signature_valid, event.error) == (Status.REJECTED, True, reason)
    assert callbacks == []


def test_replayed_delivery_is_ignored_and_not_processed_again(
    client: Client, signed: str, django_capture_on_commit_callbacks
) -> None:
    body = encode_payload({"products": ["12"]})
    signature = sign(body)
    with django_capture_on_commit_callbacks() as callbacks:
        first = post(client, body, signature=signature)
        second = post(client, body, signature=signature)

    assert (first.status_code, second.status_code) == (200, 200)
    original, replay = WebhookEvent.objects.order_by("id")
    assert original.status == Status.QUEUED
    assert (replay.status, replay.error) == (Status.IGNORED, f"replay of webhook #{original.pk}")
    assert len(callbacks) == 1


def test_same_change_sent_again_with_a_new_timestamp_is_not_a_replay(
    client: Client, signed: str
) -> None:
    now = int(time.time())
    deliver(client, {"products": ["12"]}, t=now - 5)
    deliver(client, {"products": ["12"]}, t=now)

    assert list(WebhookEvent.objects.order_by("id").values_list("status", flat=True)) == [
        Status.QUEUED,
        Status.QUEUED,
    ]


def test_unknown_keys_are_stored_and_ignored(
    client: Client, signed: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(client, {"warehouses": ["3"], "campaigns": ["9"]})

    assert response.status_code == 200
    event = only_event()
    assert event.status == Status.IGNORED
    assert event.payload == {"warehouses": ["3"], "campaigns": ["9"]}
    assert event.object_ids == {}
    assert event.error == "names nothing the catalog syncs (keys: campaigns, warehouses)"
    assert callbacks == []


def test_unknown_keys_next_to_catalog_keys_are_kept_but_not_acted_on(
    client: Client, signed: str
) -> None:
    deliver(client, {"warehouses": ["3"], "brands": ["5"], "products": ["2", "1"]})

    event = only_event()
    assert event.status == Status.QUEUED
    assert event.payload == {"warehouses": ["3"], "brands": ["5"], "products": ["2", "1"]}
    assert event.object_ids == {"products": ["1", "2"], "brands": ["5"]}


def test_oversized_body_is_refused_unread_and_recorded(client: Client, signed: str) -> None:
    body = "payload=" + "1" * webhooks.MAX_BODY_BYTES

    response = post(client, body, signature=sign(body))

    assert response.status_code == 413
    refusal = only_refusal()
    assert refusal.reason == f"413 body: body too large (limit {webhooks.MAX_BODY_BYTES} bytes)"
    assert refusal.first_bytes == ""


def test_a_nul_byte_in_a_refused_body_is_kept_escaped(client: Client, signed: str) -> None:
    response = post(client, b"payload=%7B%7D\x00\xc3\xa9", signature="t=1,v1=" + "0" * 64)

    assert response.status_code == 401
    assert only_refusal().first_bytes == "payload=%7B%7D\\x00\\xc3\\xa9"


def test_only_post_is_allowed(client: Client, signed: str) -> None:
    assert client.get(URL).status_code == 405
    assert not WebhookEvent.objects.exists()


def test_endpoint_needs_no_csrf_token(signed: str) -> None:
    response = deliver(Client(enforce_csrf_checks=True), {"products": ["1"]})

    assert response.status_code == 200
    assert only_event().status == Status.QUEUED


def test_without_a_secret_unsigned_deliveries_are_accepted_with_one_warning(
    client: Client, settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CENTRA_WEBHOOK_SECRET = ""
    monkeypatch.setattr(webhooks, "_warned_unsigned", False)
    caplog.set_level(logging.WARNING, logger="catalog.webhooks")

    first = post(client, encode_payload({"products": ["1"]}))
    second = post(client, encode_payload({"products": ["2"]}), signature="t=1,v1=whatever")

    assert (first.status_code, second.status_code) == (200, 200)
    assert list(WebhookEvent.objects.order_by("id").values_list("status", "signature_valid")) == [
        (Status.QUEUED, None),
        (Status.QUEUED, None),
    ]
    warnings = [r.getMessage() for r in caplog.records if "CENTRA_WEBHOOK_SECRET" in r.getMessage()]
    assert len(warnings) == 1


def test_the_secret_never_appears_in_logs_or_answers(
    client: Client, signed: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = encode_payload({"products": ["1"]})
    answers = [
        post(client, body, signature=sign(body)).content,
        post(client, body, signature=sign(body, secret="wrong")).content,
        post(client, "payload=x", signature=sign("payload=x")).content,
    ]

    assert all(SECRET.encode() not in answer for answer in answers)
    assert SECRET not in caplog.text
    assert not WebhookEvent.objects.filter(error__contains=SECRET).exists()


# -- claiming -----------------------------------------------------------------------------------


def queued_event(**fields) -> WebhookEvent:
    fields.setdefault("object_ids", {"products": ["1"]})
    return WebhookEvent.objects.create(status=Status.QUEUED, **fields)


def test_a_claim_takes_every_queued_event_once() -> None:
    first, second = queued_event(), queued_event()
    WebhookEvent.objects.create(status=Status.FAILED, error="boom")
    WebhookEvent.objects.create(status=Status.REJECTED)

    claimed = webhook_batches.claim_queued_events()

    assert [e.pk for e in claimed] == [first.pk, second.pk]
    assert {e.status for e in claimed} == {webhook_batches.PROCESSING}
    assert webhook_batches.claim_queued_events() == []


def test_a_claim_respects_its_limit() -> None:
    events = [queued_event() for _ in range(3)]

    assert [e.pk for e in webhook_batches.claim_queued_events(limit=2)] == [
        e.pk for e in events[:2]
    ]
    assert [e.pk for e in webhook_batches.claim_queued_events(limit=2)] == [events[2].pk]


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_a_while() -> None:
    now = timezone.now()
    fresh = WebhookEvent.objects.create(status=webhook_batches.PROCESSING, processed_at=now)
    stale = WebhookEvent.objects.create(
        status=webhook_batches.PROCESSING,
        processed_at=now - webhook_batches.STALE_CLAIM - timedelta(seconds=1),
    )

    assert [e.pk for e in webhook_batches.claim_queued_events()] == [stale.pk]
    fresh.refresh_from_db()
    assert fresh.status == webhook_batches.PROCESSING


def test_processing_with_nothing_queued_does_nothing(centra_sandbox: Sandbox) -> None:
    assert webhook_batches.process_queued_events() == webhook_batches.BatchResult()
    assert centra_sandbox.request_counts["*"] == 0


def test_requeue_takes_only_failed_events(django_capture_on_commit_callbacks) -> None:
    failed = WebhookEvent.objects.create(status=Status.FAILED, error="boom")
    others = [WebhookEvent.objects.create(status=s) for s in (Status.REJECTED, Status.IGNORED)]

    with django_capture_on_commit_callbacks() as callbacks:
        count = webhooks.requeue_failed([failed.pk, *(e.pk for e in others)])

    assert count == 1
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.processed_at) == (Status.QUEUED, "", None)
    assert [WebhookEvent.objects.get(pk=e.pk).status for e in others] == [
        Status.REJECTED,
        Status.IGNORED,
    ]
    assert len(callbacks) == 1


# -- processing against the sandbox --------------------------------------------------------------


@pytest.fixture
def synced(centra_sandbox: Sandbox) -> SyncRun:
    """The local catalog after a full sync, with the sandbox's request counts reset."""
    run = full_sync(trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    centra_sandbox.reset_counts()
    return run


def priced_product() -> ProductPrice:
    return ProductPrice.objects.select_related("product").order_by("product_id", "pricelist_id")[0]


def run_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()


def test_burst_of_overlapping_webhooks_costs_one_batch_of_fetches(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    django_capture_on_commit_callbacks,
) -> None:
    a, b, c = (str(pk) for pk in Product.objects.order_by("id").values_list("id", flat=True)[:3])
    ProductPrice.objects.filter(product_id__in=[a, b, c]).update(price=Decimal("1"))
    payloads = [{"products": [a, b]}, {"products": [b, c]}, {"products": [c, a]}, {"products": [b]}]
    with django_capture_on_commit_callbacks() as callbacks:
        for payload in payloads:
            assert deliver(client, payload).status_code == 200
    assert len(callbacks) == 4
    assert centra_sandbox.request_counts["*"] == 0

    run_all(callbacks)

    # One POST products per market x language, each naming all three products.
    markets_x_languages = Market.objects.count() * Language.objects.count()
    assert markets_x_languages == 9
    assert centra_sandbox.request_counts["POST products"] == markets_x_languages
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {Status.PROCESSED}
    [run] = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK)
    assert (run.kind, run.status, run.product_ids) == (
        SyncRun.Kind.PARTIAL,
        SyncRun.Status.SUCCEEDED,
        [int(a), int(b), int(c)],
    )
    # The sync really re-read them: the prices spoiled above are Centra's again.
    assert not ProductPrice.objects.filter(price=Decimal("1")).exists()


def test_tasks_running_after_the_burst_find_nothing_to_do(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    django_capture_on_commit_callbacks,
) -> None:
    product = str(Product.objects.order_by("id").values_list("id", flat=True)[0])
    with django_capture_on_commit_callbacks() as callbacks:
        deliver(client, {"products": [product]})
        deliver(client, {"products": [product], "brands": ["5"]})
    first = webhook_batches.process_queued_events()
    calls = centra_sandbox.request_counts["*"]

    run_all(callbacks)

    assert len(first.event_ids) == 2
    assert first.reference_kinds == ["brands"]
    assert centra_sandbox.request_counts["*"] == calls
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 2


def test_price_change_in_centra_reaches_the_local_catalog(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    control: httpx.Client,
    django_capture_on_commit_callbacks,
) -> None:
    price = priced_product()
    received: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        request.read()
        received.append(request)
        return httpx.Response(200, json={})

    centra_sandbox.config.webhook_url = "http://storefront.test/webhooks/centra/"
    centra_sandbox.config.webhook_secret = SECRET
    centra_sandbox.config.webhook_transport = httpx.MockTransport(receive)
    new_price = price.price + Decimal("111")
    changed = control.put(
        f"products/{price.product_id}",
        json={"prices": {str(price.pricelist_id): {"price": float(new_price)}}},
    )
    assert changed.status_code == 200, changed.text
    assert wait_for_webhooks(centra_sandbox)

    # The sandbox's own request, signature and raw body, handed to the storefront's endpoint.
    [request] = received
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, request.content, signature=request.headers["X-Centra-Signature"])

    assert response.status_code == 200
    event = only_event()
    assert (event.status, event.signature_valid) == (Status.PROCESSED, True)
    assert event.object_ids == {"products": [str(price.product_id)]}
    price.refresh_from_db()
    assert price.price == new_price


def test_failed_sync_marks_events_failed_and_reprocessing_applies_them(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    control: httpx.Client,
    django_capture_on_commit_callbacks,
) -> None:
    control.put("faults", json={"down": "503"})
    first, second = (str(pk) for pk in Product.objects.values_list("id", flat=True)[:2])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, {"products": [first]})
        deliver(client, {"products": [second]})

    failed = list(WebhookEvent.objects.values_list("status", "error"))
    assert [status for status, _ in failed] == [Status.FAILED, Status.FAILED]
    assert all(error.startswith("partial sync #") for _, error in failed)

    control.delete("faults")
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.requeue_failed(WebhookEvent.objects.values_list("id", flat=True)) == 2

    assert set(WebhookEvent.objects.values_list("status", "error")) == {(Status.PROCESSED, "")}


def test_category_webhook_refreshes_reference_data_and_its_products(
    client: Client,
    signed: str,
    synced: SyncRun,
    centra_sandbox: Sandbox,
    django_capture_on_commit_callbacks,
) -> None:
    category = str(Category.objects.order_by("id").values_list("id", flat=True)[0])
    products = [str(pk) for pk in Product.objects.order_by("id").values_list("id", flat=True)[:2]]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, {"categories": [category], "products": products})

    event = only_event()
    assert (event.status, event.error) == (Status.PROCESSED, "")
    assert event.object_ids == {"products": products, "categories": [category]}
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).order_by("id")
    assert [(run.kind, run.status) for run in runs] == [
        (SyncRun.Kind.REFERENCE, SyncRun.Status.SUCCEEDED),
        (SyncRun.Kind.PARTIAL, SyncRun.Status.SUCCEEDED),
    ]
    assert runs[1].product_ids == [int(pk) for pk in products]
    assert centra_sandbox.request_counts["POST categories"] >= 1
