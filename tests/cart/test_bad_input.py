"""Whatever a browser or a payment provider sends the cart and checkout, the answer is never a
500 and nothing is lost: generated input (hypothesis) against every form and endpoint."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cart.models import PaymentAttempt
from cart.return_params import MAX_FIELDS, merge_parameters
from tests.cart.helpers import add, buyable_items, centra_state

pytestmark = pytest.mark.django_db

# Text as hostile as a form field gets: control characters, surrogate-free unicode, digits of
# other scripts, brackets and very long values.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="[]0123456789.-+e/\\%&=?#\x00 ", max_size=40),
    st.sampled_from(
        ["", "0", "-1", "1e9", "\u00b2", "\uff11", "NaN", "../x", "a[b][c]", "x" * 3000]
    ),
)
FIELDS = st.dictionaries(TEXT, TEXT, max_size=8)
RELAXED = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(st.lists(st.tuples(TEXT, TEXT), max_size=300), st.lists(st.tuples(TEXT, TEXT)))
@settings(max_examples=200, deadline=None)
def test_return_parameters_always_merge_into_bounded_json(
    query: list[tuple[str, str]], form: list[tuple[str, str]]
) -> None:
    merged = merge_parameters(query, form)

    json.dumps(merged)  # Centra gets it as JSON

    def count(value: Any) -> int:
        if isinstance(value, dict):
            return sum(count(v) for v in value.values())
        if isinstance(value, list):
            return sum(count(v) for v in value)
        return 1

    assert count(merged) <= MAX_FIELDS


def test_bracketed_names_nest_and_plain_names_stay_as_sent() -> None:
    merged = merge_parameters(
        [("test[ok]", "1"), ("test[ok2]", "1"), ("test2", "1"), ("orderRef", "A")],
        [("details[paymentAction]", "x"), ("list[]", "a"), ("list[]", "b"), ("orderRef", "B")],
    )

    assert merged == {
        "test": {"ok": "1", "ok2": "1"},
        "test2": "1",
        "orderRef": "B",
        "details": {"paymentAction": "x"},
        "list": ["a", "b"],
    }


@pytest.fixture
def cart_client(client):
    [item] = buyable_items(1)
    add(client, item)
    return client


@given(fields=FIELDS)
@RELAXED
def test_the_add_form_answers_anything_without_a_500(cart_client, fields) -> None:
    response = cart_client.post("/cart/add", fields)
    # 400: Django itself refuses a form it cannot parse (a field name longer than it allows).
    assert response.status_code in (302, 400)
    as_json = cart_client.post("/cart/add", fields, HTTP_ACCEPT="application/json")
    assert as_json.status_code in (200, 400)
    if as_json["Content-Type"] == "application/json":
        assert set(as_json.json()) == {"ok", "count", "messages"}


@given(line=st.from_regex(r"[0-9A-Za-z_-]{1,64}", fullmatch=True), fields=FIELDS)
@RELAXED
def test_line_changes_answer_anything_without_a_500(cart_client, line, fields) -> None:
    before = centra_state(cart_client)["token"]
    for action in ("quantity", "size", "remove"):
        response = cart_client.post(f"/cart/lines/{line}/{action}", fields)
        assert response.status_code in (302, 400)
    assert centra_state(cart_client)["token"] == before


@given(fields=FIELDS)
@RELAXED
def test_vouchers_answer_anything_without_a_500(cart_client, fields) -> None:
    assert cart_client.post("/cart/vouchers", fields).status_code in (302, 400)
    assert cart_client.post("/cart/vouchers/remove", fields).status_code in (302, 400)


@given(fields=FIELDS)
@RELAXED
def test_the_checkout_form_answers_anything_without_a_500(cart_client, fields) -> None:
    response = cart_client.post("/checkout/", fields)
    assert response.status_code in (200, 302, 400)
    # Nothing was paid for by a form that made no sense.
    assert not PaymentAttempt.objects.filter(status="completed").exists()


@given(query=FIELDS, form=FIELDS)
@RELAXED
def test_the_return_and_failed_pages_answer_anything_without_a_500(
    cart_client, query, form
) -> None:
    attempt = PaymentAttempt.objects.create(token="t" * 32, payment_method="sandbox-redirect")
    for page in ("return", "failed"):
        url = f"/checkout/payment/{attempt.id}/{page}"
        response = cart_client.post(url + "?" + _query(query), form)
        assert response.status_code in (200, 302, 400, 503)
    assert not PaymentAttempt.objects.filter(status="completed").exists()


@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=10), children, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
@RELAXED
def test_a_widget_callback_with_any_body_gets_a_clear_answer(cart_client, body) -> None:
    attempt = PaymentAttempt.objects.create(
        token=centra_state(cart_client)["token"], payment_method="sandbox-widget"
    )
    session = cart_client.session
    session["centra"]["payments"] = [str(attempt.id)]
    session.save()

    response = cart_client.post(
        f"/checkout/payment/{attempt.id}/widget", body, content_type="application/json"
    )

    assert response.status_code in (200, 400, 503)
    assert "ok" in response.json()


def _query(fields: dict[str, str]) -> str:
    return urlencode(fields)
