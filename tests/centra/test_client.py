"""centra.client against httpx.MockTransport: headers, tokens, path encoding, correlation ids,
retries and their bounds, typed errors, and the shared secret staying out of reprs and logs."""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from centra.client import (
    NO_SESSION,
    CentraClient,
    SharedSecret,
    build_path,
    parse_retry_after,
)
from centra.correlation import (
    CorrelationIdFilter,
    get_correlation_id,
    new_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)
from centra.errors import (
    CentraError,
    CentraForbidden,
    CentraNotFound,
    CentraRateLimited,
    CentraStockError,
    CentraUnavailable,
    CentraValidationError,
)

BASE_URL = "https://shop.example/api/checkout/"
SECRET = "sk-live-7f3a9c1e-DO-NOT-LEAK"
HEX32 = re.compile(r"[0-9a-f]{32}")

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeCentra:
    """The HTTP boundary: answers from a script (the last answer repeats) and records requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [ok()]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):  # a fresh copy per request: answers may repeat
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )
        return answer(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def ok(body: dict[str, Any] | None = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"token": "tok-1"} if body is None else body)


def fail(status: int, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"token": "tok-1", "errors": {"fault": "x"}} if body is None else body,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def raising(exc_type: type[httpx.HTTPError], message: str = "boom") -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)  # type: ignore[call-arg]

    return answer


@pytest.fixture(autouse=True)
def centra_sandbox() -> None:
    """Overrides the project-wide autouse sandbox (tests/conftest.py): these tests stop at
    httpx.MockTransport and must not depend on the sandbox or on Django settings."""


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[Callable[..., CentraClient]]:
    clients: list[CentraClient] = []

    def make(fake: FakeCentra, **options: Any) -> CentraClient:
        options.setdefault("shared_secret", SECRET)
        options.setdefault("base_url", BASE_URL)
        client = CentraClient(
            options.pop("base_url"),
            transport=httpx.MockTransport(fake),
            sleep=sleeps.append,
            **options,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def max_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full jitter always draws its upper bound, so backoff waits are exact."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)


# -- headers per auth mode --------------------------------------------------------------------


def test_secret_only_sends_bearer_and_no_session_token(make_client):
    fake = FakeCentra()
    make_client(fake).get("selection")

    assert fake.last.headers["Authorization"] == f"Bearer {SECRET}"
    assert "API-token" not in fake.last.headers
    assert fake.last.headers["Accept"] == "application/json"


def test_token_only_sends_api_token_and_no_authorization(make_client):
    fake = FakeCentra()
    make_client(fake, shared_secret=None).get("selection", token="tok-1")

    assert fake.last.headers["API-token"] == "tok-1"
    assert "Authorization" not in fake.last.headers


def test_secret_and_token_are_sent_together(make_client):
    fake = FakeCentra()
    make_client(fake).put("selection", json={"country": "SE"}, token="tok-1")

    assert fake.last.headers["Authorization"] == f"Bearer {SECRET}"
    assert fake.last.headers["API-token"] == "tok-1"


def test_no_session_sends_api_token_none(make_client):
    fake = FakeCentra(ok({"products": []}))
    reply = make_client(fake).post("products", json={"market": 1}, token=NO_SESSION)

    assert fake.last.headers["API-token"] == "none"
    assert reply.token is None
    assert reply.sent_token is None
    assert reply.token_changed is False


def test_no_token_sends_no_token_header(make_client):
    fake = FakeCentra()
    make_client(fake, shared_secret=None).get("selection", token=None)

    assert "API-token" not in fake.last.headers
    assert "api-token" not in fake.last.headers.get("Accept", "")
    assert "Authorization" not in fake.last.headers


def test_use_secret_false_leaves_the_secret_out(make_client):
    fake = FakeCentra()
    make_client(fake).get("selection", token="tok-1", use_secret=False)

    assert "Authorization" not in fake.last.headers
    assert fake.last.headers["API-token"] == "tok-1"


def test_json_body_is_sent_as_json(make_client):
    fake = FakeCentra()
    make_client(fake).post("items/{item}", params={"item": "1-2"}, json={"quantity": 2})

    assert fake.last.method == "POST"
    assert fake.last.headers["Content-Type"] == "application/json"
    assert json.loads(fake.last.content) == {"quantity": 2}


def test_every_call_has_the_configured_timeout(make_client):
    fake = FakeCentra()
    make_client(fake, timeout=2.5).get("selection")

    assert fake.last.extensions["timeout"] == {
        "connect": 2.5,
        "read": 2.5,
        "write": 2.5,
        "pool": 2.5,
    }


# -- token changes ----------------------------------------------------------------------------


def test_same_token_answered_is_not_a_change(make_client):
    reply = make_client(FakeCentra(ok({"token": "tok-1"}))).get("selection", token="tok-1")

    assert (reply.token, reply.sent_token, reply.token_changed) == ("tok-1", "tok-1", False)


def test_new_token_answered_for_an_expired_one_is_a_change(make_client):
    reply = make_client(FakeCentra(ok({"token": "tok-2"}))).get("selection", token="tok-1")

    assert (reply.token, reply.sent_token, reply.token_changed) == ("tok-2", "tok-1", True)


def test_token_answered_when_none_was_sent_is_a_change(make_client):
    reply = make_client(FakeCentra(ok({"token": "tok-9"}))).get("selection")

    assert (reply.token, reply.sent_token, reply.token_changed) == ("tok-9", None, True)


def test_unknown_fields_are_kept_in_data(make_client):
    body = {"token": "tok-1", "selection": {"items": []}, "brandNewField": {"x": 1}}
    reply = make_client(FakeCentra(ok(body))).get("selection", token="tok-1")

    assert reply.status_code == 200
    assert reply.data == body


def test_error_carries_the_new_token_so_callers_can_store_it(make_client):
    fake = FakeCentra(fail(404, {"token": "tok-2", "errors": {"voucher": "not found"}}))
    with pytest.raises(CentraNotFound) as caught:
        make_client(fake).post("vouchers", json={"voucher": "NOPE"}, token="tok-1")

    assert caught.value.token == "tok-2"


# -- path encoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "raw_segment"),
    [
        ("TEST+CODE", "TEST%2BCODE"),
        ("../x", "..%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("x/../../products", "x%2F..%2F..%2Fproducts"),
        ("summer sale", "summer%20sale"),
        ("Åsa@exämple.se", "%C3%85sa%40ex%C3%A4mple.se"),
        ("100%", "100%25"),
        ("a?b=c#d", "a%3Fb%3Dc%23d"),
        (1234, "1234"),
    ],
)
def test_path_parameters_are_percent_encoded_as_one_segment(make_client, value, raw_segment):
    fake = FakeCentra()
    make_client(fake).delete("vouchers/{voucher}", params={"voucher": value}, token="tok-1")

    assert fake.last.url.raw_path == f"/api/checkout/vouchers/{raw_segment}".encode()
    assert fake.last.url.host == "shop.example"


def test_several_path_parameters_and_base_url_without_trailing_slash(make_client):
    fake = FakeCentra()
    client = make_client(fake, base_url="https://shop.example/api/checkout")
    client.put("countries/{country}/states/{state}", params={"country": "US", "state": "N/Y"})

    assert fake.last.url.raw_path == b"/api/checkout/countries/US/states/N%2FY"


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("vouchers/{voucher}", {}),
        ("vouchers/{voucher}", {"voucher": ""}),
        ("vouchers/{voucher}", {"voucher": "A", "extra": "B"}),
        ("vouchers/{voucher!r}", {"voucher": "A"}),
    ],
)
def test_bad_path_parameters_are_refused_before_any_call(make_client, template, params):
    fake = FakeCentra()
    with pytest.raises(ValueError, match="path"):
        make_client(fake).delete(template, params=params)

    assert fake.requests == []


def test_build_path_leaves_literal_parts_alone():
    assert build_path("/login/{email}", {"email": "a+b@x.se"}) == "login/a%2Bb%40x.se"
    assert build_path("payment-result") == "payment-result"


# -- correlation id ---------------------------------------------------------------------------


def test_correlation_id_from_the_context_is_sent(make_client):
    fake = FakeCentra()
    client = make_client(fake)
    token = set_correlation_id("req-abc-123")
    try:
        client.get("selection")
        client.get("receipt")
    finally:
        reset_correlation_id(token)

    assert [r.headers["X-Correlation-ID"] for r in fake.requests] == ["req-abc-123"] * 2
    assert get_correlation_id() is None


def test_without_a_correlation_id_each_call_gets_a_fresh_one(make_client):
    fake = FakeCentra()
    client = make_client(fake)
    client.get("selection")
    client.get("selection")

    sent = [r.headers["X-Correlation-ID"] for r in fake.requests]
    assert all(HEX32.fullmatch(value) for value in sent)
    assert sent[0] != sent[1]


def test_retries_of_one_call_share_its_correlation_id(make_client, max_jitter):
    fake = FakeCentra(fail(503), ok())
    make_client(fake).get("selection")

    first, second = (r.headers["X-Correlation-ID"] for r in fake.requests)
    assert first == second


def test_correlation_filter_stamps_every_record():
    log_filter = CorrelationIdFilter()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert log_filter.filter(record) is True
    assert record.correlation_id == "-"

    token = set_correlation_id("req-42")
    try:
        fresh = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        log_filter.filter(fresh)
    finally:
        reset_correlation_id(token)
    assert fresh.correlation_id == "req-42"
    assert HEX32.fullmatch(new_correlation_id())


# -- retries ----------------------------------------------------------------------------------


def test_503_is_retried_with_growing_backoff_then_succeeds(make_client, sleeps, max_jitter):
    fake = FakeCentra(fail(503), fail(503), ok({"token": "tok-1", "products": []}))
    reply = make_client(fake).get("selection")

    assert reply.data == {"token": "tok-1", "products": []}
    assert len(fake.requests) == 3
    assert sleeps == [0.25, 0.5]


def test_backoff_uses_full_jitter_within_its_cap(make_client, sleeps):
    random.seed(7)
    fake = FakeCentra(fail(502), fail(504), fail(503), ok())
    make_client(fake, backoff=0.5).get("selection")

    assert len(fake.requests) == 4
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 0 <= slept <= 0.5 * 2**attempt


def test_retries_give_up_after_max_retries(make_client, sleeps, max_jitter):
    fake = FakeCentra(fail(503))
    with pytest.raises(CentraUnavailable) as caught:
        make_client(fake, max_retries=3).get("selection")

    assert len(fake.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert caught.value.status_code == 503


def test_total_backoff_never_exceeds_max_retry_wait(make_client, sleeps, max_jitter):
    fake = FakeCentra(fail(503))
    with pytest.raises(CentraUnavailable):
        make_client(fake, max_retries=10, max_retry_wait=0.6).get("selection")

    assert sleeps == [0.25, 0.35]
    assert sum(sleeps) == pytest.approx(0.6)
    assert len(fake.requests) == 3


def test_429_retry_after_seconds_is_honoured(make_client, sleeps):
    fake = FakeCentra(fail(429, Retry_After="2"), ok())
    reply = make_client(fake).get("selection")

    assert reply.status_code == 200
    assert sleeps == [2.0]
    assert len(fake.requests) == 2


def test_429_retry_after_beyond_the_budget_fails_at_once(make_client, sleeps):
    fake = FakeCentra(fail(429, Retry_After="30"), ok())
    with pytest.raises(CentraRateLimited) as caught:
        make_client(fake, max_retry_wait=10).get("selection")

    assert caught.value.retry_after == 30.0
    assert sleeps == []
    assert len(fake.requests) == 1


def test_429_retry_after_counts_against_the_same_budget(make_client, sleeps):
    fake = FakeCentra(fail(429, Retry_After="4"))
    with pytest.raises(CentraRateLimited) as caught:
        make_client(fake, max_retries=5, max_retry_wait=10).get("selection")

    assert sleeps == [4.0, 4.0]
    assert len(fake.requests) == 3
    assert caught.value.status_code == 429


def test_429_retry_after_as_http_date_is_honoured(make_client, sleeps):
    when = datetime.now(UTC) + timedelta(seconds=5)
    fake = FakeCentra(fail(429, Retry_After=format_datetime(when, usegmt=True)), ok())
    make_client(fake).get("selection")

    assert len(sleeps) == 1
    assert 3.0 <= sleeps[0] <= 5.0


def test_429_without_retry_after_backs_off(make_client, sleeps, max_jitter):
    fake = FakeCentra(fail(429), ok())
    make_client(fake).post("products", json={}, idempotent=True, token=NO_SESSION)

    assert sleeps == [0.25]
    assert len(fake.requests) == 2


def test_503_with_retry_after_waits_as_told(make_client, sleeps):
    fake = FakeCentra(fail(503, Retry_After="1"), ok())
    make_client(fake).get("selection")

    assert sleeps == [1.0]


def test_connection_errors_on_reads_are_retried(make_client, sleeps, max_jitter):
    fake = FakeCentra(raising(httpx.ConnectError), raising(httpx.ReadTimeout), ok())
    reply = make_client(fake).post("uri", json={"uri": "shop"}, idempotent=True)

    assert reply.status_code == 200
    assert len(fake.requests) == 3
    assert sleeps == [0.25, 0.5]


@pytest.mark.parametrize("path", ["payment", "payment-result"])
@pytest.mark.parametrize(
    "answer",
    [
        fail(503),
        fail(429, Retry_After="1"),
        raising(httpx.ConnectError, "connection refused"),
        raising(httpx.ReadTimeout, "timed out"),
    ],
    ids=["503", "429", "connect-error", "read-timeout"],
)
def test_payment_calls_are_never_retried(make_client, sleeps, path, answer):
    fake = FakeCentra(answer, ok())
    with pytest.raises((CentraUnavailable, CentraRateLimited)):
        make_client(fake).post(path, json={"paymentMethod": "dummy"}, token="t", idempotent=True)

    assert len(fake.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writes_are_not_retried_by_default(make_client, sleeps, method):
    fake = FakeCentra(fail(503), ok())
    with pytest.raises(CentraUnavailable):
        make_client(fake).request(method, "items/{item}", params={"item": "1-2"}, token="t")

    assert len(fake.requests) == 1
    assert sleeps == []


def test_a_write_gets_no_second_try_after_a_connect_error_either(make_client, sleeps):
    fake = FakeCentra(raising(httpx.ConnectError), ok())
    with pytest.raises(CentraUnavailable):
        make_client(fake).post("items/{item}", params={"item": "1-2"}, token="t")

    assert len(fake.requests) == 1


def test_4xx_is_terminal_even_for_reads(make_client, sleeps):
    fake = FakeCentra(fail(404, {"errors": {"uri": "not found"}}), ok())
    with pytest.raises(CentraNotFound):
        make_client(fake).post("uri", json={"uri": "nope"}, idempotent=True)

    assert len(fake.requests) == 1
    assert sleeps == []


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc_type",
    [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError, httpx.RemoteProtocolError],
)
def test_network_failures_become_centra_unavailable(make_client, exc_type):
    fake = FakeCentra(raising(exc_type, "went wrong"))
    with pytest.raises(CentraUnavailable) as caught:
        make_client(fake, max_retries=0).get("selection")

    assert not isinstance(caught.value, httpx.HTTPError)
    assert isinstance(caught.value.__cause__, exc_type)
    assert caught.value.status_code is None
    assert exc_type.__name__ in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, CentraValidationError),
        (401, CentraForbidden),
        (403, CentraForbidden),
        (404, CentraNotFound),
        (406, CentraValidationError),
        (409, CentraValidationError),
        (410, CentraStockError),
        (412, CentraValidationError),
        (422, CentraValidationError),
        (429, CentraRateLimited),
        (500, CentraUnavailable),
        (502, CentraUnavailable),
        (503, CentraUnavailable),
    ],
)
def test_each_status_raises_its_error_type(make_client, status, error_type):
    body = {"token": "tok-1", "errors": {"field": "bad"}, "messages": ["Why"]}
    with pytest.raises(error_type) as caught:
        make_client(FakeCentra(fail(status, body)), max_retries=0).get("selection")

    err = caught.value
    assert type(err) is error_type
    assert (err.status_code, err.errors, err.messages, err.token) == (
        status,
        {"field": "bad"},
        ["Why"],
        "tok-1",
    )
    assert err.body == body


def test_406_keeps_dotted_field_keys_and_messages(make_client):
    body = {
        "token": "tok-1",
        "errors": {"address.email": "required", "address.vatNumber": "Invalid VAT number"},
        "messages": ["Please check the address"],
    }
    with pytest.raises(CentraValidationError) as caught:
        make_client(FakeCentra(fail(406, body))).post("payment", json={}, token="tok-1")

    err = caught.value
    assert err.errors == {"address.email": "required", "address.vatNumber": "Invalid VAT number"}
    assert err.messages == ["Please check the address"]
    assert "406" in str(err)
    assert "POST payment" in str(err)


def test_410_carries_the_unavailable_lines(make_client):
    unavailable = [
        {"item": "1-2", "product": "1", "originalQuantity": 3, "unavailable": 2, "available": 1}
    ]
    body = {
        "token": "tok-1",
        "errors": {"stock": "unavailable items"},
        "unavailable": unavailable,
        "selection": {"items": []},
    }
    with pytest.raises(CentraStockError) as caught:
        make_client(FakeCentra(fail(410, body))).post("payment", json={}, token="tok-1")

    err = caught.value
    assert isinstance(err, CentraValidationError)
    assert err.unavailable == unavailable
    assert err.errors == {"stock": "unavailable items"}
    assert err.body["selection"] == {"items": []}


def test_payment_error_keeps_code_and_message(make_client):
    body = {
        "token": "tok-1",
        "code": "COUNTRY_MISMATCH",
        "message": "Country does not match",
        "messages": ["Pick another method"],
        "errors": {"paymentMethod": "COUNTRY_MISMATCH"},
    }
    with pytest.raises(CentraValidationError) as caught:
        make_client(FakeCentra(fail(412, body))).post("payment-result", json={}, token="tok-1")

    assert caught.value.code == "COUNTRY_MISMATCH"
    assert caught.value.messages == ["Pick another method", "Country does not match"]
    assert caught.value.errors == {"paymentMethod": "COUNTRY_MISMATCH"}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(404, text="<html>Not Found</html>"),
        httpx.Response(200, content=b"\xff\xfe{"),
        httpx.Response(302, headers={"Location": "https://elsewhere.example/"}),
    ],
    ids=["html", "json-list", "html-404", "bad-bytes", "redirect"],
)
def test_unreadable_answers_become_centra_unavailable(make_client, answer):
    fake = FakeCentra(answer)
    with pytest.raises(CentraUnavailable) as caught:
        make_client(fake).get("selection")

    assert caught.value.status_code == answer.status_code
    assert len(fake.requests) == 1


def test_every_error_is_a_centra_error():
    for error_type in (
        CentraUnavailable,
        CentraRateLimited,
        CentraNotFound,
        CentraValidationError,
        CentraStockError,
        CentraForbidden,
    ):
        assert issubclass(error_type, CentraError)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0", 0.0), ("1.5", 1.5), ("soon", None), ("-3", None), (None, None)],
)
def test_parse_retry_after_seconds(header, seconds):
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_dates_and_timestamps():
    past = format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(past) == 0.0
    in_an_hour = datetime.now(UTC) + timedelta(hours=1)
    assert 3590 <= parse_retry_after(format_datetime(in_an_hour, usegmt=True)) <= 3600
    assert 3590 <= parse_retry_after(str(int(in_an_hour.timestamp()))) <= 3600


# -- the secret stays secret ------------------------------------------------------------------


def test_secret_is_masked_in_reprs():
    client = CentraClient(BASE_URL, shared_secret=SECRET)
    try:
        assert SECRET not in repr(client)
        assert SECRET not in str(client)
        assert SECRET not in repr(client.__dict__)
        assert client.has_shared_secret is True
    finally:
        client.close()
    assert SECRET not in repr(SharedSecret(SECRET))
    assert SECRET not in str(SharedSecret(SECRET))
    assert SharedSecret(SECRET).reveal() == SECRET


def test_base_url_with_credentials_is_refused():
    with pytest.raises(ValueError, match="credentials"):
        CentraClient("https://user:pw@shop.example/api/checkout/")


def test_secret_never_reaches_errors_or_logs(make_client, caplog, max_jitter):
    caplog.set_level(logging.DEBUG)
    leaky = f"proxy refused Authorization: Bearer {SECRET}"
    fake = FakeCentra(
        fail(503),
        ok(),
        fail(401, {"errors": {"authorization": "invalid shared secret"}}),
        raising(httpx.ConnectError, leaky),
        raising(httpx.ConnectError, leaky),
        fail(429, Retry_After="99"),
        ok(),
    )
    client = make_client(fake, max_retries=1)
    caught: list[CentraError] = []

    client.get("selection", token="tok-1")
    for _ in range(3):
        try:
            client.get("login/{email}", params={"email": "ann@example.com"}, token="tok-1")
        except CentraError as err:
            caught.append(err)

    assert [type(e) for e in caught] == [CentraForbidden, CentraUnavailable, CentraRateLimited]
    for err in caught:
        assert SECRET not in str(err)
        assert SECRET not in repr(err)
        assert SECRET not in repr(vars(err))
    assert "ConnectError" in str(caught[1])

    assert len(fake.requests) == 6
    assert any(r.name == "centra.client" for r in caplog.records)
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in repr(record.args)
        assert SECRET not in repr(vars(record))
    for record in caplog.records:
        if record.name == "centra.client":
            assert "ann" not in record.getMessage()


def test_each_call_is_logged_with_template_status_attempt_and_correlation_id(
    make_client, caplog, max_jitter
):
    caplog.set_level(logging.DEBUG, logger="centra.client")
    fake = FakeCentra(fail(503), ok())
    token = set_correlation_id("req-77")
    try:
        make_client(fake).get("vouchers/{voucher}", params={"voucher": "SECRET-CODE"})
    finally:
        reset_correlation_id(token)

    calls = [
        r.getMessage()
        for r in caplog.records
        if r.name == "centra.client" and "->" in r.getMessage()
    ]
    assert len(calls) == 2
    assert calls[0].startswith("centra GET vouchers/{voucher} -> 503 in ")
    assert "(attempt 1, correlation id req-77)" in calls[0]
    assert calls[1].startswith("centra GET vouchers/{voucher} -> 200 in ")
    assert "(attempt 2, correlation id req-77)" in calls[1]
    assert all(r.correlation_id == "req-77" for r in caplog.records if r.name == "centra.client")
    assert not any("SECRET-CODE" in r.getMessage() for r in caplog.records)
