"""The sandbox's request plumbing: tokens, auth, routing edge cases, faults, correlation ids."""

from __future__ import annotations

import httpx
import pytest

from centra_sandbox import Sandbox


def test_new_token_is_issued_and_then_kept(shopper: httpx.Client) -> None:
    first = shopper.get("selection").json()["token"]
    second = shopper.get("selection").json()["token"]
    assert len(first) == 32
    assert second == first


def test_token_in_the_accept_header_is_accepted(sandbox: Sandbox, server: httpx.Client) -> None:
    token = server.get("selection").json()["token"]
    reply = server.get("selection", headers={"Accept": f"*/*; api-token={token}"})
    assert reply.json()["token"] == token


def test_api_token_none_creates_and_returns_no_session(
    sandbox: Sandbox, server: httpx.Client
) -> None:
    before = sandbox.store.one("SELECT COUNT(*) AS n FROM sessions")["n"]
    reply = server.get("languages", headers={"API-token": "none"})
    assert reply.status_code == 200
    assert "token" not in reply.json()
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM sessions")["n"] == before


def test_expired_token_is_replaced(sandbox: Sandbox, shopper: httpx.Client) -> None:
    old = shopper.get("selection").json()["token"]
    sandbox.store.db.execute("UPDATE sessions SET expires_at = 0 WHERE token = ?", (old,))
    new = shopper.get("selection").json()["token"]
    assert new != old


def test_wrong_shared_secret_is_refused(shopper: httpx.Client) -> None:
    reply = shopper.get("markets", headers={"Authorization": "Bearer not-the-secret"})
    assert reply.status_code == 401
    assert reply.json()["errors"] == {"authorization": "invalid shared secret"}


def test_origin_outside_the_allow_list_is_refused(sandbox: Sandbox, shopper: httpx.Client) -> None:
    sandbox.config.allowed_origins = ("https://shop.example",)
    allowed = shopper.get("languages", headers={"Origin": "https://shop.example"})
    refused = shopper.get("languages", headers={"Origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["errors"] == {"origin": "not allowed"}


def test_malformed_json_is_a_400_that_still_carries_a_live_token(
    sandbox: Sandbox, shopper: httpx.Client
) -> None:
    reply = shopper.post("vouchers", content=b"{not json")
    assert reply.status_code == 400
    assert reply.json()["errors"] == {"body": "malformed JSON"}
    token = reply.json()["token"]
    assert sandbox.store.one("SELECT 1 FROM sessions WHERE token = ?", (token,)) is not None


def test_deeply_nested_json_is_a_400_not_a_crash(shopper: httpx.Client) -> None:
    reply = shopper.post("vouchers", content=b"[" * 100_000 + b"]" * 100_000)
    assert reply.status_code == 400
    assert reply.json()["errors"] == {"body": "malformed JSON"}


def test_non_ascii_digits_never_match_a_number_segment(shopper: httpx.Client) -> None:
    token = shopper.get("selection").json()["token"]
    reply = shopper.post("items/101-1/quantity/%C2%B2", headers={"API-token": token})
    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"quantity"}
    assert shopper.get("selection").json()["selection"]["items"] == []


def test_unknown_route_and_wrong_method(shopper: httpx.Client) -> None:
    assert shopper.get("no-such-route").status_code == 404
    wrong = shopper.delete("selection")
    assert wrong.status_code == 405
    assert wrong.json()["errors"] == {"endpoint": "method not allowed"}


def test_correlation_id_is_echoed(shopper: httpx.Client) -> None:
    reply = shopper.get("languages", headers={"X-Correlation-ID": "corr-1"})
    assert reply.headers["X-Correlation-ID"] == "corr-1"


def test_requests_are_counted_per_route(sandbox: Sandbox, shopper: httpx.Client) -> None:
    shopper.get("languages")
    shopper.get("languages")
    shopper.get("selection")
    assert sandbox.request_counts["GET languages"] == 2
    assert sandbox.request_counts["GET selection"] == 1
    assert sandbox.request_counts["*"] == 3


def test_refuse_fault_looks_like_a_closed_port(sandbox: Sandbox, shopper: httpx.Client) -> None:
    sandbox.faults.down = "refuse"
    with pytest.raises(httpx.ConnectError, match="down"):
        shopper.get("languages")
