"""NUL is refused at the edge, before any view, session or database sees it, and every page
carries the security headers (django-csp's policy, Referrer-Policy, nosniff, no framing)."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from storefront.request_edge import RejectNulMiddleware
from tests.processes import BASE_DIR, run_python

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/womens%00", "/%00", "/sv/womens/%00shoes", "/search%00"])
def test_a_nul_in_the_path_is_not_found(client: Client, centra_sandbox, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert centra_sandbox.request_counts["*"] == 0


@pytest.mark.parametrize(
    "query", ["size=M%00", "q=jeans%00", "brand=1&brand=%00", "%00=1", "page=1\x00"]
)
def test_a_nul_in_the_query_is_a_bad_request(client: Client, query: str) -> None:
    for path in ("/womens", "/search", "/"):
        assert client.get(f"{path}?{query}").status_code == 400


def test_a_cookie_holding_a_nul_is_dropped_and_the_rest_kept() -> None:
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(request.COOKIES)
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_COOKIE='sessionid="abc\\000def"; shopper=kept')
    response = RejectNulMiddleware(view)(request)

    assert response.status_code == 200
    assert seen == {"shopper": "kept"}


def test_a_session_cookie_holding_a_nul_starts_a_fresh_session(client: Client) -> None:
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/cart/").status_code == 200


def test_every_page_carries_the_security_headers(client: Client) -> None:
    for path in ("/", "/womens", "/search?q=shirt", "/no-such-page", "/healthz"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"


def test_the_500_pages_inline_style_is_the_one_the_policy_allows(settings) -> None:
    html = (BASE_DIR / "templates" / "500.html").read_text()
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert f"'sha256-{digest}'" in allowed


_BEHIND_TLS = """
import json, django
django.setup()
from django.conf import settings as s
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "secure_request": response.wsgi_request.is_secure(),
    "headers": {k: response[k] for k in ("Content-Security-Policy", "Referrer-Policy",
                                         "X-Content-Type-Options", "X-Frame-Options")},
    "session": [s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE],
    "csrf": [s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE],
}))
"""


def test_with_debug_off_cookies_are_secure_httponly_and_samesite_behind_tls(tmp_path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-8f7a6c5d4e3b2a1908f7",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CENTRA_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
    }
    result = run_python(["-c", _BEHIND_TLS], env, timeout=60)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["secure_request"] is True  # the proxy's X-Forwarded-Proto is believed
    assert "default-src 'self'" in shown["headers"]["Content-Security-Policy"]
    assert shown["headers"]["Referrer-Policy"] == "same-origin"
    assert shown["headers"]["X-Content-Type-Options"] == "nosniff"
    assert shown["headers"]["X-Frame-Options"] == "DENY"
    assert shown["session"] == [True, True, "Lax"]
    assert shown["csrf"] == [True, True, "Lax"]
