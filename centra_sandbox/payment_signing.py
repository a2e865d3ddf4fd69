"""The parameters the sandbox's "payment provider" hands back to the shop's return or failed
page, and their signature.

They are ``centraPaymentMethod, payment, amount, currency, status`` plus ``signature``, an
HMAC-SHA256 over the other five under a key kept in the store's meta table (one per sandbox
database), so ``POST payment-result`` accepts only parameters the sandbox issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from centra_sandbox.app import Sandbox

SIGNED_FIELDS = ("centraPaymentMethod", "payment", "amount", "currency", "status")
SIGNING_KEY_META = "payment_signing_key"


def _signing_key(sandbox: Sandbox) -> bytes:
    key = sandbox.store.get_meta(SIGNING_KEY_META)
    if key is None:
        key = secrets.token_hex(32)
        sandbox.store.set_meta(SIGNING_KEY_META, key)
    return key.encode()


def signature(sandbox: Sandbox, fields: dict[str, str]) -> str:
    message = "\n".join(f"{name}={fields.get(name, '')}" for name in SIGNED_FIELDS)
    return hmac.new(_signing_key(sandbox), message.encode(), hashlib.sha256).hexdigest()


def provider_fields(sandbox: Sandbox, payment: sqlite3.Row, status: str) -> dict[str, str]:
    """What the "provider" hands back to the shop's return or failed page, signed."""
    fields = {
        "centraPaymentMethod": payment["method"],
        "payment": payment["id"],
        "amount": payment["amount"],
        "currency": payment["currency"],
        "status": status,
    }
    fields["signature"] = signature(sandbox, fields)
    return fields


def with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
