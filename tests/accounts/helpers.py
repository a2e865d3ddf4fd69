"""What the accounts' tests do as a shopper: register, sign in and out through the forms, and
read back the sandbox's state (its outbox, its customers, its sessions)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from centra_sandbox import Sandbox
from storefront.session import CUSTOMER
from tests.shopper_state import shopper_cookie

PASSWORD = "correct horse battery"
EMAIL = "ann@example.com"


def register(client: Client, email: str = EMAIL, password: str = PASSWORD, **extra: Any):
    data = {
        "email": email,
        "password": password,
        "firstName": "Ann",
        "lastName": "Lee",
        "privacy": "on",
        **extra,
    }
    return client.post("/account/register", data, follow=True)


def sign_in(client: Client, email: str = EMAIL, password: str = PASSWORD, **extra: Any):
    return client.post("/account/sign-in", {"email": email, "password": password, **extra})


def sign_out(client: Client):
    return client.post("/account/sign-out", follow=True)


def greeting(client: Client) -> str | None:
    """The first name the shopper cookie holds for the header (None: signed out)."""
    return shopper_cookie(client).get(CUSTOMER)


def session_key(client: Client) -> str | None:
    morsel = client.cookies.get("sessionid")
    return morsel.value if morsel else None


def outbox_links(sandbox: Sandbox, email: str = EMAIL) -> list[str]:
    rows = sandbox.store.all(
        "SELECT link FROM outbox_emails WHERE recipient = ? ORDER BY id", (email,)
    )
    return [row["link"] for row in rows]


def local(link: str) -> str:
    """A link from Centra's email as a path on this site (the test server's host differs)."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def calls(sandbox: Sandbox) -> dict[str, int]:
    return {k: v for k, v in sandbox.request_counts.items() if v}


def place_order(sandbox: Sandbox, token: str) -> dict[str, Any]:
    """Buy one 9002-1 with the direct method on the session ``token`` (in Centra, as the
    checkout would); Centra's order."""
    import httpx

    from centra_sandbox.transport import SandboxTransport
    from tests.centra_sandbox.factories import ADDRESS, FAILED_PAGE, RETURN_PAGE

    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test/api/checkout/",
        headers={"API-token": token},
    ) as shopper:
        for method, path in [
            ("POST", "items/9002-1"),
            ("PUT", "countries/SE"),
            ("PUT", "payment-methods/sandbox-direct"),
        ]:
            assert shopper.request(method, path).status_code == 200
        answer = shopper.post(
            "payment",
            json={
                "paymentReturnPage": RETURN_PAGE,
                "paymentFailedPage": FAILED_PAGE,
                "termsAndConditions": True,
                "address": ADDRESS,
            },
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["order"]
