"""Webhooks the sandbox sends when its catalog changes, as Centra's "Checkout API" webhook plugin
does (https://centra.dev/docs/extend-with-plugins/integrations/centra-webhooks): ``POST``,
``application/x-www-form-urlencoded``, body ``payload=<urlencoded compact JSON>`` such as
``{"products":["12"]}``, ids as strings, at most ``config.webhook_batch_size`` ids per call, signed
with ``X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`` when
``config.webhook_secret`` is set.

Delivery is a transactional outbox: ``queue_webhook`` writes pending rows into
``webhook_deliveries`` inside the control call's transaction, and one worker thread per sandbox
sends them after that transaction has committed (a rolled-back call leaves nothing to send) and
records the receiver's status code or the error. A failing or slow receiver therefore never
breaks or delays the control call, and a receiver may call the sandbox back while handling the
webhook. Like Centra with retries off (its default), a failed delivery is not retried.

Tests receive webhooks in-process by setting ``config.webhook_transport`` to an httpx transport
(``httpx.MockTransport``), and call ``wait_for_webhooks(sandbox)`` before looking at the result.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

if TYPE_CHECKING:
    import sqlite3

    from centra_sandbox.app import Sandbox

log = logging.getLogger("centra_sandbox.webhooks")

# Centra's plugin default: it waits 5 s for the receiver.
TIMEOUT_SECONDS = 5.0
SIGNATURE_HEADER = "X-Centra-Signature"


def sign_webhook(secret: str, timestamp: int, body: str) -> str:
    """The ``v1`` value: hex HMAC-SHA256 keyed with ``secret`` over ``"<timestamp>.<body>"``,
    where ``body`` is the raw, still urlencoded request body."""
    message = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: str) -> str:
    """The ``X-Centra-Signature`` header value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},v1={sign_webhook(secret, timestamp, body)}"


def encode_payload(payload: dict[str, list[str]]) -> str:
    """``payload=<urlencoded compact JSON>``; byte for byte what Centra's documented examples
    show."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def batch_payloads(changes: dict[str, list[str]], batch_size: int) -> list[dict[str, list[str]]]:
    """Split ``{"categories": [...], "products": [...]}`` into payloads of at most ``batch_size``
    ids in all (Centra's "max number of events per webhook call"), keys in their given order."""
    events = [(key, str(i)) for key, ids in changes.items() for i in ids]
    size = max(1, batch_size)
    payloads = []
    for start in range(0, len(events), size):
        payload: dict[str, list[str]] = {}
        for key, item_id in events[start : start + size]:
            payload.setdefault(key, []).append(item_id)
        payloads.append(payload)
    return payloads


def queue_webhook(sandbox: Sandbox, changes: dict[str, list[str]]) -> int:
    """Queue the webhook calls announcing ``changes``; call it inside the transaction that makes
    them. Returns how many calls were queued: none when no ``webhook_url`` is configured."""
    url = sandbox.config.webhook_url
    changes = {key: ids for key, ids in changes.items() if ids}
    if not url or not changes:
        return 0
    payloads = batch_payloads(changes, sandbox.config.webhook_batch_size)
    for payload in payloads:
        sandbox.store.db.execute(
            "INSERT INTO webhook_deliveries (url, body, created_at) VALUES (?, ?, ?)",
            (url, encode_payload(payload), time.time()),
        )
    _sender(sandbox).wake()
    return len(payloads)


def wait_for_webhooks(sandbox: Sandbox, timeout: float = 10.0) -> bool:
    """Block until every queued webhook has been sent and recorded; False on timeout. Call it
    outside any store transaction, or the worker cannot record what it sent."""
    return _sender(sandbox).wait_idle(timeout)


def pending_deliveries(db: sqlite3.Connection) -> int:
    return db.execute(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status_code IS NULL AND error IS NULL"
    ).fetchone()[0]


class _Sender:
    """One worker thread per sandbox, alive only while there are pending deliveries."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = weakref.ref(sandbox)
        self._lock = threading.Lock()
        self._wanted = False
        self._running = False
        self._idle = threading.Event()
        self._idle.set()

    def wake(self) -> None:
        with self._lock:
            self._wanted = True
            if self._running:
                return
            self._running = True
            self._idle.clear()
        threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True).start()

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._running = False
                    self._idle.set()
                    return
                self._wanted = False
            try:
                self._drain()
            except Exception:
                log.exception("webhook worker failed")

    def _drain(self) -> None:
        while (sandbox := self._sandbox()) is not None:
            # Taking the store's lock waits for the transaction that queued the row to end.
            with sandbox.store.transaction() as db:
                row = db.execute(
                    "SELECT id, url, body FROM webhook_deliveries "
                    "WHERE status_code IS NULL AND error IS NULL ORDER BY id LIMIT 1"
                ).fetchone()
            if row is None:
                return
            status, error, signature = _deliver(sandbox, row["url"], row["body"])
            with sandbox.store.transaction() as db:
                db.execute(
                    "UPDATE webhook_deliveries SET status_code = ?, error = ?, signature = ? "
                    "WHERE id = ?",
                    (status, error, signature, row["id"]),
                )


def _deliver(sandbox: Sandbox, url: str, body: str) -> tuple[int | None, str | None, str | None]:
    """POST one webhook; (status code, None, signature) or (None, error, signature)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"}
    secret = sandbox.config.webhook_secret
    signature = signature_header(secret, int(time.time()), body) if secret else None
    if signature:
        headers[SIGNATURE_HEADER] = signature
    transport = sandbox.config.webhook_transport
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            request = client.build_request("POST", url, content=body.encode(), headers=headers)
            if transport is None:
                response = client.send(request)
            else:
                # Sent on the injected transport directly: closing a client would close it.
                response = transport.handle_request(request)
                response.read()
                response.close()
    except Exception as exc:
        # A receiver that cannot be reached, times out or blows up is recorded, never raised.
        return None, f"{type(exc).__name__}: {exc}", signature
    return response.status_code, None, signature


_senders: weakref.WeakKeyDictionary[Any, _Sender] = weakref.WeakKeyDictionary()
_senders_lock = threading.Lock()


def _sender(sandbox: Sandbox) -> _Sender:
    with _senders_lock:
        sender = _senders.get(sandbox)
        if sender is None:
            sender = _senders[sandbox] = _Sender(sandbox)
        return sender
