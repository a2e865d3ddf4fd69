"""The fields a shopper fills in at checkout (address, shipping address, newsletter, terms,
notes, consents): their ``paymentFields`` configuration and the validation shared by
``PUT payment-fields`` and ``POST payment``."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from centra_sandbox.http import ApiError

MAX_FIELD_LENGTH = 255

ADDRESS_FIELDS = (
    "email",
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "zipCode",
    "city",
    "state",
    "country",
    "phoneNumber",
    "vatNumber",
)
SHIPPING_ADDRESS_FIELDS = tuple(f for f in ADDRESS_FIELDS if f != "vatNumber")
# Accepted on input, stored, never echoed in the selection's address; the shipping address has
# no identity number.
INPUT_ONLY_ADDRESS_FIELDS = ("identityNumber", "houseNumber", "houseExtension")
INPUT_ONLY_SHIPPING_FIELDS = ("houseNumber", "houseExtension")
REQUIRED_ADDRESS_FIELDS = ("email", "country")

MAX_NOTES_LENGTH = 2000
MAX_IP_LENGTH = 45  # the longest IPv6 text form
MAX_CONSENTS = 50


def _clean_address(
    value: Any, prefix: str, fields: tuple[str, ...], input_only: tuple[str, ...]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, {prefix: "must be an object"})
    cleaned: dict[str, Any] = {}
    too_long = {}
    for key, raw in value.items():
        name = f"{prefix}.{key}"
        if key == "newsletter" and prefix == "address":
            if not isinstance(raw, bool):
                raise ApiError(400, {name: "must be a boolean"})
            cleaned[key] = raw
        elif key in fields or key in input_only:
            if raw is None:
                raw = ""
            if not isinstance(raw, str):
                raise ApiError(400, {name: "must be a string"})
            if len(raw) > MAX_FIELD_LENGTH:
                too_long[name] = f"must be at most {MAX_FIELD_LENGTH} characters"
            cleaned[key] = raw.strip()
        # Anything else (register, password, unknown keys) is ignored, as Centra ignores
        # fields it was not configured for.
    if too_long:
        raise ApiError(406, too_long)
    if "country" in cleaned:
        cleaned["country"] = cleaned["country"].upper()
    return cleaned


def _terms_accepted(value: Any) -> bool:
    """Whether a ``termsAndConditions`` value means "accepted": JSON ``true``, the string
    ``"true"`` (Centra's own order-flow example sends it), or ``1``/``"1"`` (an HTML checkbox
    posted through a form). Anything else, whatever its type, is simply not accepted: ``POST
    payment`` then answers ``"must be true"``, never a type error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return value in ("true", "1")


def clean_payment_fields(
    sel: sqlite3.Row, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Validate checkout fields from ``PUT payment-fields`` or ``POST payment`` and merge them
    over what the selection holds: (address, shippingAddress, extra). Raises 400 for wrong types
    and 406 for values that are too long; the caller decides when to store."""
    address = json.loads(sel["address"] or "{}")
    shipping_address = json.loads(sel["shipping_address"] or "{}")
    extra = json.loads(sel["extra"] or "{}")
    if "address" in body:
        address.update(
            _clean_address(body["address"], "address", ADDRESS_FIELDS, INPUT_ONLY_ADDRESS_FIELDS)
        )
        if "newsletter" in address:
            extra["newsletter"] = address.pop("newsletter")
    if "shippingAddress" in body:
        shipping_address.update(
            _clean_address(
                body["shippingAddress"],
                "shippingAddress",
                SHIPPING_ADDRESS_FIELDS,
                INPUT_ONLY_SHIPPING_FIELDS,
            )
        )
    if "newsletter" in body:
        if not isinstance(body["newsletter"], bool):
            raise ApiError(400, {"newsletter": "must be a boolean"})
        extra["newsletter"] = body["newsletter"]
    if "termsAndConditions" in body:
        extra["termsAndConditions"] = _terms_accepted(body["termsAndConditions"])
    if "ipAddress" in body:
        # The shopper's address, for the provider's fraud checks and the order record.
        ip = body["ipAddress"]
        if not isinstance(ip, str) or len(ip) > MAX_IP_LENGTH:
            raise ApiError(400, {"ipAddress": "must be an IP address"})
        extra["ipAddress"] = ip
    if "additionalNotes" in body:
        notes = body["additionalNotes"]
        if not isinstance(notes, str):
            raise ApiError(400, {"additionalNotes": "must be a string"})
        if len(notes) > MAX_NOTES_LENGTH:
            raise ApiError(
                406, {"additionalNotes": f"must be at most {MAX_NOTES_LENGTH} characters"}
            )
        extra["additionalNotes"] = notes
    if "consents" in body:
        consents = body["consents"]
        if not isinstance(consents, list) or len(consents) > MAX_CONSENTS:
            raise ApiError(400, {"consents": f"must be a list of at most {MAX_CONSENTS} entries"})
        if len(json.dumps(consents)) > 20_000:
            raise ApiError(406, {"consents": "too large"})
        extra["consents"] = consents
    return address, shipping_address, extra


def _field(kind: str, required: bool = False, visible: bool = True) -> dict[str, Any]:
    return {"type": kind, "required": required, "visible": visible}


def payment_fields() -> dict[str, Any]:
    """The checkout field configuration of the demo plugin: every documented field, required
    only address email and country (Centra's defaults); the input-only fields (identity number,
    house number and extension) are there but hidden, as a plugin not configured for the
    countries that use them has them."""
    address = {name: _field("string", name in REQUIRED_ADDRESS_FIELDS) for name in ADDRESS_FIELDS}
    address.update({name: _field("string", visible=False) for name in INPUT_ONLY_ADDRESS_FIELDS})
    address["newsletter"] = _field("boolean")
    shipping = {name: _field("string") for name in SHIPPING_ADDRESS_FIELDS}
    shipping.update({name: _field("string", visible=False) for name in INPUT_ONLY_SHIPPING_FIELDS})
    return {
        "termsAndConditions": _field("boolean", True),
        "address": address,
        "shippingAddress": shipping,
    }
