"""Centra's webhooks, receiving side: the signature and the payload (docs/centra.md#webhooks).

Centra POSTs ``application/x-www-form-urlencoded`` with one field, ``payload``, holding compact
JSON such as ``{"products":["12"]}``, and signs it with
``X-Centra-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
The signature covers the raw body exactly as received, so callers pass ``request.body`` and never
a re-encoded form. Nothing here touches the database: the catalog app decides what to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

SIGNATURE_HEADER = "X-Centra-Signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# Centra documents no window; its own accelerator refuses anything older than five minutes.
DEFAULT_TOLERANCE = 300
# Our clock may run a little behind Centra's; further ahead than this is not skew but forgery.
FUTURE_SKEW = 60
# A header longer than this is not Centra's ("t=<10 digits>,v1=<64 hex>" is 79 characters).
MAX_HEADER_LENGTH = 512
# Centra batches at most a few hundred ids per call; anything far bigger is not a real delivery.
MAX_IDS = 10_000

_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_ID = re.compile(r"[0-9]{1,10}")
# Centra's ids are below 2**31 (docs/centra.md#project-decisions); a larger one would be
# refused by Centra and, fetched in a batch, fail the batch's other ids with it.
MAX_ID = 2**31 - 1
# Centra's keys are camelCase words ("products", "warehouseGroups", "DisplayItems").
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


class InvalidSignature(Exception):
    """The delivery cannot be trusted; ``reason`` says why, in words safe to store and log."""

    MISSING = "missing signature header"
    MALFORMED = "malformed signature header"
    MISMATCH = "signature does not match"
    STALE = "timestamp too old"
    FUTURE = "timestamp in the future"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MalformedPayload(Exception):
    """The body is not Centra's ``payload=<JSON object of id lists>`` form."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature_from_headers(headers: Mapping[str, str]) -> str | None:
    """The signature header's value from a case-insensitive mapping such as
    ``request.headers``; keeps the header's name inside ``centra/``."""
    return headers.get(SIGNATURE_HEADER)


def expected_signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 keyed with ``secret`` over ``b"<timestamp>." + raw_body``."""
    message = str(timestamp).encode() + b"." + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def parse_signature_header(header: str) -> tuple[int, list[str]]:
    """``"t=1676025421,v1=<hex>"`` -> (timestamp, [v1 values]); raises
    ``InvalidSignature(MALFORMED)``. Several ``v1`` entries are allowed, as in other schemes of
    this shape, so a sender may sign with an old and a new secret while rotating."""
    if len(header) > MAX_HEADER_LENGTH:
        raise InvalidSignature(InvalidSignature.MALFORMED)
    timestamp: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise InvalidSignature(InvalidSignature.MALFORMED)
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                raise InvalidSignature(InvalidSignature.MALFORMED)
            timestamp = int(value)
        elif key == "v1":
            if not _HEX_DIGEST.fullmatch(value):
                raise InvalidSignature(InvalidSignature.MALFORMED)
            digests.append(value.lower())
        # Other keys (a future "v2") are ignored, as Centra may add schemes.
    if timestamp is None or not digests:
        raise InvalidSignature(InvalidSignature.MALFORMED)
    return timestamp, digests


def verify_signature(
    secret: str,
    header: str | None,
    raw_body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Check ``X-Centra-Signature`` against the raw body; return its timestamp.

    Raises ``InvalidSignature`` with the reason when the header is missing or malformed, no
    ``v1`` matches (constant-time compare), or the timestamp is older than ``tolerance`` seconds
    or more than ``FUTURE_SKEW`` seconds ahead of ``now``. The digest is checked before the age,
    so a forged header is reported as a mismatch whatever its timestamp.
    """
    if not secret:
        raise ValueError("verify_signature needs a secret")
    if not header:
        raise InvalidSignature(InvalidSignature.MISSING)
    timestamp, digests = parse_signature_header(header)
    expected = expected_signature(secret, timestamp, raw_body)
    # Every candidate is compared, so the time taken does not tell which one matched.
    matched = False
    for digest in digests:
        matched |= hmac.compare_digest(expected, digest)
    if not matched:
        raise InvalidSignature(InvalidSignature.MISMATCH)
    current = time.time() if now is None else now
    if current - timestamp > tolerance:
        raise InvalidSignature(InvalidSignature.STALE)
    if timestamp - current > FUTURE_SKEW:
        raise InvalidSignature(InvalidSignature.FUTURE)
    return timestamp


def parse_payload(raw_body: bytes) -> dict[str, list[str]]:
    """``payload=%7B%22products%22%3A%5B%2212%22%5D%7D`` -> ``{"products": ["12"]}``.

    Every key must be a name holding a list of ids; an id is a non-negative integer or a string
    of digits (Centra sends strings) and comes back as a string. Any key name is kept, so the
    caller decides which it acts on. Raises ``MalformedPayload`` otherwise.
    """
    document = _decode_form(raw_body)
    if not isinstance(document, dict):
        raise MalformedPayload("payload is not a JSON object")
    parsed: dict[str, list[str]] = {}
    total = 0
    for key, ids in document.items():
        if not _KEY.fullmatch(key):
            raise MalformedPayload("payload keys must be names of object types")
        if not isinstance(ids, list):
            raise MalformedPayload(f"{_short(key)}: not a list of ids")
        parsed[key] = [_clean_id(key, value) for value in ids]
        total += len(ids)
        if total > MAX_IDS:
            raise MalformedPayload(f"more than {MAX_IDS} ids")
    return parsed


def _decode_form(raw_body: bytes) -> Any:
    try:
        text = raw_body.decode("ascii")
    except UnicodeDecodeError:
        # A urlencoded body is ASCII; anything else is not what Centra sends.
        raise MalformedPayload("body is not urlencoded ASCII") from None
    try:
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=True, max_num_fields=20)
    except ValueError:
        raise MalformedPayload("body is not a form") from None
    values = fields.get("payload")
    if values is None:
        raise MalformedPayload("no payload field")
    if len(values) != 1:
        raise MalformedPayload("more than one payload field")
    try:
        return json.loads(values[0])
    except RecursionError:
        # Centra's payload is one level of lists; nesting deep enough to exhaust the parser's
        # stack is not a delivery.
        raise MalformedPayload("payload nested too deeply") from None
    except ValueError:
        raise MalformedPayload("payload is not JSON") from None


def _clean_id(key: str, value: Any) -> str:
    # bool is an int subclass; true is not an id.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise MalformedPayload(f"{_short(key)}: ids must be strings or integers")
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise MalformedPayload(f"{_short(key)}: {_short(text)!r} is not an id")
    return str(int(text))


def _short(text: str, limit: int = 40) -> str:
    """Attacker-chosen text goes into stored errors; keep it short."""
    return text if len(text) <= limit else text[:limit] + "..."
