"""``/healthz`` and ``/readyz`` for load balancers and orchestrators."""

from __future__ import annotations

import pytest

from centra import connection
from centra_sandbox import Sandbox, SandboxConfig, Store


@pytest.mark.django_db
def test_healthz_answers_without_any_io(client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_ready_with_database_and_loaded_sandbox(client, centra_sandbox) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": {"ok": True},
            "centra": {"ok": True, "detail": "sandbox loaded"},
        },
    }


@pytest.mark.django_db
def test_readyz_is_unavailable_while_the_sandbox_has_no_catalog(client) -> None:
    connection.use_sandbox(Sandbox(Store(":memory:"), SandboxConfig()))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["centra"]["ok"] is False
    assert "sandbox_load" in body["checks"]["centra"]["detail"]


@pytest.mark.django_db
def test_readyz_is_unavailable_when_centra_does_not_answer(client, settings) -> None:
    # A closed port on loopback: the connection is refused at once.
    settings.CENTRA_API_URL = "http://127.0.0.1:9/api/checkout/"
    settings.CENTRA_SHARED_SECRET = "s3cret-value"
    settings.CENTRA_MAX_RETRIES = 0
    connection.use_sandbox(None)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["centra"] == {"ok": False, "detail": "centra unreachable (CentraUnavailable)"}
    assert b"s3cret-value" not in response.content
