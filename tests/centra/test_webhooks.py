"""Verifying Centra's webhook signature and parsing its payload (docs/centra.md#webhooks)."""

from __future__ import annotations

import pytest

from centra.webhooks import (
    InvalidSignature,
    MalformedPayload,
    expected_signature,
    parse_payload,
    parse_signature_header,
    signature_from_headers,
    verify_signature,
)
from centra_sandbox.webhooks_out import encode_payload, signature_header

# Centra's worked example, recomputed in the contract.
EXAMPLE_SECRET = "test123"
EXAMPLE_T = 12345678
EXAMPLE_BODY = b"payload=%7B%22x%22%3A%22test%22%7D"
EXAMPLE_V1 = "0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
EXAMPLE_HEADER = f"t={EXAMPLE_T},v1={EXAMPLE_V1}"


def reason_of(header: str | None, body: bytes = EXAMPLE_BODY, **kwargs) -> str:
    kwargs.setdefault("now", EXAMPLE_T + 1)
    with pytest.raises(InvalidSignature) as caught:
        verify_signature(kwargs.pop("secret", EXAMPLE_SECRET), header, body, **kwargs)
    return caught.value.reason


# -- verify_signature ---------------------------------------------------------------------------


def test_centras_worked_example_digest() -> None:
    assert expected_signature(EXAMPLE_SECRET, EXAMPLE_T, EXAMPLE_BODY) == EXAMPLE_V1


def test_centras_worked_example_verifies_and_returns_the_timestamp() -> None:
    assert (
        verify_signature(EXAMPLE_SECRET, EXAMPLE_HEADER, EXAMPLE_BODY, now=EXAMPLE_T) == EXAMPLE_T
    )


def test_what_the_sandbox_signs_verifies() -> None:
    body = encode_payload({"products": ["12", "13"], "brands": ["5"]})
    header = signature_header("whsec", 1_700_000_000, body)
    assert verify_signature("whsec", header, body.encode(), now=1_700_000_030) == 1_700_000_000


def test_uppercase_hex_and_spaces_after_commas_are_accepted() -> None:
    header = f"t={EXAMPLE_T}, v1={EXAMPLE_V1.upper()}"
    assert verify_signature(EXAMPLE_SECRET, header, EXAMPLE_BODY, now=EXAMPLE_T) == EXAMPLE_T


def test_one_matching_v1_among_several_is_enough_for_secret_rotation() -> None:
    header = f"t={EXAMPLE_T},v1={'0' * 64},v1={EXAMPLE_V1}"
    assert verify_signature(EXAMPLE_SECRET, header, EXAMPLE_BODY, now=EXAMPLE_T) == EXAMPLE_T


def test_unknown_schemes_in_the_header_are_ignored() -> None:
    header = f"t={EXAMPLE_T},v0=abc,v1={EXAMPLE_V1}"
    assert verify_signature(EXAMPLE_SECRET, header, EXAMPLE_BODY, now=EXAMPLE_T) == EXAMPLE_T


def test_tampered_body_does_not_match() -> None:
    assert reason_of(EXAMPLE_HEADER, b"payload=%7B%22x%22%3A%22tesT%22%7D") == (
        InvalidSignature.MISMATCH
    )


def test_body_reencoded_differently_does_not_match() -> None:
    # The same JSON, percent-encoded differently: the signature covers the raw bytes.
    assert reason_of(EXAMPLE_HEADER, b'payload={"x":"test"}') == InvalidSignature.MISMATCH


def test_wrong_secret_does_not_match() -> None:
    assert reason_of(EXAMPLE_HEADER, secret="test124") == InvalidSignature.MISMATCH


def test_other_timestamp_with_the_same_digest_does_not_match() -> None:
    header = f"t={EXAMPLE_T + 1},v1={EXAMPLE_V1}"
    assert reason_of(header) == InvalidSignature.MISMATCH


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header(header: str | None) -> None:
    assert reason_of(header) == InvalidSignature.MISSING


@pytest.mark.parametrize(
    "header",
    [
        EXAMPLE_V1,
        f"t={EXAMPLE_T}",
        f"v1={EXAMPLE_V1}",
        f"t=,v1={EXAMPLE_V1}",
        f"t=-5,v1={EXAMPLE_V1}",
        f"t=12.5,v1={EXAMPLE_V1}",
        f"t={EXAMPLE_T},v1={EXAMPLE_V1[:-1]}",
        f"t={EXAMPLE_T},v1={EXAMPLE_V1[:-1]}g",
        f"t={EXAMPLE_T},v1=é{EXAMPLE_V1[1:]}",
        f"t={EXAMPLE_T},t={EXAMPLE_T},v1={EXAMPLE_V1}",
        f"t={EXAMPLE_T};v1={EXAMPLE_V1}",
        f"t={EXAMPLE_T},v1={EXAMPLE_V1}," + "x=1," * 200,
    ],
)
def test_malformed_header(header: str) -> None:
    assert reason_of(header) == InvalidSignature.MALFORMED


def test_timestamp_at_the_edge_of_the_window_is_accepted() -> None:
    assert verify_signature(EXAMPLE_SECRET, EXAMPLE_HEADER, EXAMPLE_BODY, now=EXAMPLE_T + 300) == (
        EXAMPLE_T
    )


def test_stale_timestamp_is_refused() -> None:
    assert reason_of(EXAMPLE_HEADER, now=EXAMPLE_T + 301) == InvalidSignature.STALE


def test_tolerance_is_configurable() -> None:
    assert reason_of(EXAMPLE_HEADER, now=EXAMPLE_T + 61, tolerance=60) == InvalidSignature.STALE


def test_small_future_skew_is_tolerated() -> None:
    assert verify_signature(EXAMPLE_SECRET, EXAMPLE_HEADER, EXAMPLE_BODY, now=EXAMPLE_T - 60) == (
        EXAMPLE_T
    )


def test_timestamp_far_in_the_future_is_refused() -> None:
    assert reason_of(EXAMPLE_HEADER, now=EXAMPLE_T - 61) == InvalidSignature.FUTURE


def test_forged_signature_is_a_mismatch_even_when_stale() -> None:
    header = f"t={EXAMPLE_T},v1={'a' * 64}"
    assert reason_of(header, now=EXAMPLE_T + 10_000) == InvalidSignature.MISMATCH


def test_an_empty_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="needs a secret"):
        verify_signature("", EXAMPLE_HEADER, EXAMPLE_BODY)


def test_parse_signature_header_returns_timestamp_and_digests() -> None:
    assert parse_signature_header(EXAMPLE_HEADER) == (EXAMPLE_T, [EXAMPLE_V1])


def test_signature_is_read_case_insensitively_from_headers() -> None:
    from django.http import HttpHeaders

    headers = HttpHeaders({"HTTP_X_CENTRA_SIGNATURE": EXAMPLE_HEADER})
    assert signature_from_headers(headers) == EXAMPLE_HEADER
    assert signature_from_headers(HttpHeaders({})) is None


# -- parse_payload ------------------------------------------------------------------------------


def test_centras_documented_body_parses() -> None:
    assert parse_payload(b"payload=%7B%22products%22%3A%5B%221%22%5D%7D") == {"products": ["1"]}


def test_several_keys_and_integer_ids_come_back_as_strings() -> None:
    body = encode_payload({"products": ["12", "7"], "brands": ["5"]}).encode()
    assert parse_payload(body) == {"products": ["12", "7"], "brands": ["5"]}
    assert parse_payload(b"payload=%7B%22products%22%3A%5B12%2C%20%22013%22%5D%7D") == {
        "products": ["12", "13"]
    }


def test_unknown_keys_and_empty_lists_are_kept() -> None:
    body = encode_payload({"warehouses": ["3"], "products": [], "DisplayItems": ["4"]}).encode()
    assert parse_payload(body) == {"warehouses": ["3"], "products": [], "DisplayItems": ["4"]}


def test_an_empty_object_is_a_valid_payload() -> None:
    assert parse_payload(b"payload=%7B%7D") == {}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "no payload field"),
        (b'{"products":["1"]}', "body is not a form"),
        (b"products=%5B%221%22%5D", "no payload field"),
        (b"payload=%7B%7D&payload=%7B%7D", "more than one payload field"),
        (b"payload=not-json", "payload is not JSON"),
        (b"payload=%5B%221%22%5D", "payload is not a JSON object"),
        (b"payload=null", "payload is not a JSON object"),
        (b"payload=%7B%22products%22%3A%221%22%7D", "products: not a list of ids"),
        (b"payload=%7B%22products%22%3A%5Btrue%5D%7D", "products: ids must be strings or integers"),
        (b"payload=%7B%22products%22%3A%5B1.5%5D%7D", "products: ids must be strings or integers"),
        (b"payload=%7B%22products%22%3A%5Bnull%5D%7D", "products: ids must be strings or integers"),
        (b"payload=%7B%22products%22%3A%5B-1%5D%7D", "products: ids must be strings or integers"),
        (b"payload=%7B%22products%22%3A%5B%22abc%22%5D%7D", "products: 'abc' is not an id"),
        (b"payload=%7B%22products%22%3A%5B%22%22%5D%7D", "products: '' is not an id"),
        ("payload=é".encode(), "body is not urlencoded ASCII"),
        (b"payload=%7B%22%22%3A%5B%5D%7D", "payload keys must be names of object types"),
        (b"payload=%7B%22a%5Cu0000%22%3A%5B%5D%7D", "payload keys must be names of object types"),
    ],
)
def test_malformed_payloads_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedPayload) as caught:
        parse_payload(body)
    assert caught.value.reason == reason


def test_too_many_ids_are_refused() -> None:
    body = encode_payload({"products": [str(i) for i in range(10_001)]}).encode()
    with pytest.raises(MalformedPayload, match="more than 10000 ids"):
        parse_payload(body)
