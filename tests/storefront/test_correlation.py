"""Every request carries a correlation id into log lines and Centra calls."""

from __future__ import annotations

import logging

import httpx
from django.http import HttpResponse
from django.test import RequestFactory

from centra.client import CentraClient
from centra.correlation import CorrelationIdFilter, get_correlation_id
from storefront.correlation import CorrelationIdMiddleware


def _run(headers: dict[str, str], view) -> HttpResponse:
    request = RequestFactory().get("/", headers=headers)
    return CorrelationIdMiddleware(view)(request)


def test_incoming_id_is_reused_and_echoed() -> None:
    seen = []
    response = _run(
        {"X-Correlation-ID": "abc-123"},
        lambda r: seen.append(get_correlation_id()) or HttpResponse(),
    )
    assert seen == ["abc-123"]
    assert response["X-Correlation-ID"] == "abc-123"
    assert get_correlation_id() is None  # reset after the request


def test_missing_or_unsafe_id_is_replaced_by_a_new_one() -> None:
    first = _run({}, lambda r: HttpResponse())["X-Correlation-ID"]
    second = _run({}, lambda r: HttpResponse())["X-Correlation-ID"]
    unsafe = _run({"X-Correlation-ID": "x\r\nSet-Cookie: a=b"}, lambda r: HttpResponse())
    assert len(first) == 32
    assert first != second
    assert unsafe["X-Correlation-ID"] != "x\r\nSet-Cookie: a=b"
    assert len(unsafe["X-Correlation-ID"]) == 32


def test_log_lines_carry_the_request_id() -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(CorrelationIdFilter())
    logger = logging.getLogger("storefront.test")
    logger.addHandler(handler)
    try:
        _run({"X-Correlation-ID": "req-42"}, lambda r: logger.warning("inside") or HttpResponse())
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    assert [(r.getMessage(), r.correlation_id) for r in records] == [
        ("inside", "req-42"),
        ("outside", "-"),
    ]


def test_centra_calls_during_a_request_send_its_id() -> None:
    sent: list[str] = []

    def centra(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["X-Correlation-ID"])
        return httpx.Response(200, json={"token": "t1", "languages": []})

    client = CentraClient("https://x.example/api/checkout/", transport=httpx.MockTransport(centra))

    def view(request) -> HttpResponse:
        client.get("languages")
        return HttpResponse()

    _run({"X-Correlation-ID": "from-the-edge"}, view)
    assert sent == ["from-the-edge"]
