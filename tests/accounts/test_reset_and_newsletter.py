"""The password reset, end to end with the link from the sandbox's email outbox (the same answer
for a known and an unknown email, an expired or used link refused), and the footer's newsletter
form (success, a bad address, Centra's honeypot)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from centra_sandbox import Sandbox
from tests.accounts.helpers import (
    EMAIL,
    PASSWORD,
    calls,
    greeting,
    local,
    outbox_links,
    register,
    session_key,
    sign_in,
    sign_out,
)
from tests.cart.helpers import messages_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def registered(client: Client, centra_sandbox: Sandbox) -> Client:
    register(client)
    # The home page it lands on shows "You are signed out." through its script.
    assert messages_of(sign_out(client)) == ["You are signed out."]
    centra_sandbox.request_counts.clear()
    return client


def ask_for_link(client: Client, email: str = EMAIL):
    return client.post("/account/forgot-password", {"email": email})


def test_the_reset_link_from_the_outbox_sets_a_new_password_and_signs_in(
    registered: Client, centra_sandbox: Sandbox
) -> None:
    asked = ask_for_link(registered)

    assert asked.status_code == 200
    assert asked.context["sent"] is True
    [link] = outbox_links(centra_sandbox)
    parts = urlsplit(link)
    assert parts.path == "/account/password-reset"
    assert set(parse_qs(parts.query)) == {"id", "i"}

    centra_sandbox.request_counts.clear()
    page = registered.get(local(link))
    assert page.status_code == 200
    assert calls(centra_sandbox) == {}  # the link is only checked when it is used
    before = session_key(registered)
    form = page.context["form"]
    done = registered.post(
        "/account/password-reset",
        {"id": form.initial["id"], "i": form.initial["i"], "newPassword": NEW_PASSWORD},
        follow=True,
    )

    assert done.redirect_chain == [("/account/", 302)]
    assert messages_of(done) == ["Your password is changed and you are signed in."]
    assert greeting(registered) == "Ann"
    assert session_key(registered) != before
    sign_out(registered)
    assert sign_in(registered, password=PASSWORD).status_code == 400
    assert sign_in(registered, password=NEW_PASSWORD).status_code == 302


def test_a_known_and_an_unknown_email_get_the_same_answer(
    registered: Client, centra_sandbox: Sandbox
) -> None:
    known = ask_for_link(registered)
    unknown = ask_for_link(registered, "nobody@example.com")

    def shown(response) -> str:
        html = response.content.decode()
        return html[html.index("<main") : html.index("</main>")]

    assert known.status_code == unknown.status_code == 200
    assert shown(known) == shown(unknown)
    assert len(outbox_links(centra_sandbox)) == 1
    assert outbox_links(centra_sandbox, "nobody@example.com") == []


def test_the_reset_link_points_at_the_shoppers_language(
    registered: Client, centra_sandbox: Sandbox
) -> None:
    registered.post("/sv/account/forgot-password", {"email": EMAIL})

    [link] = outbox_links(centra_sandbox)
    assert urlsplit(link).path == "/sv/account/password-reset"


def test_an_expired_link_is_refused_and_offers_a_new_one(
    registered: Client, centra_sandbox: Sandbox
) -> None:
    ask_for_link(registered)
    [link] = outbox_links(centra_sandbox)
    centra_sandbox.store.db.execute("UPDATE password_resets SET expires_at = 0")
    query = parse_qs(urlsplit(link).query)

    response = registered.post(
        "/account/password-reset",
        {"id": query["id"][0], "i": query["i"][0], "newPassword": NEW_PASSWORD},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This link has expired or was already used. Please ask for a new one." in html
    assert 'href="/account/forgot-password"' in html
    assert greeting(registered) is None
    assert sign_in(registered, password=PASSWORD).status_code == 302


def test_a_used_link_cannot_be_used_again(registered: Client, centra_sandbox: Sandbox) -> None:
    ask_for_link(registered)
    query = parse_qs(urlsplit(outbox_links(centra_sandbox)[0]).query)
    data = {"id": query["id"][0], "i": query["i"][0], "newPassword": NEW_PASSWORD}
    registered.post("/account/password-reset", data)
    sign_out(registered)

    again = registered.post("/account/password-reset", {**data, "newPassword": "third one!"})

    assert again.status_code == 400
    assert greeting(registered) is None


def test_a_weak_new_password_keeps_the_link_usable(
    registered: Client, centra_sandbox: Sandbox
) -> None:
    ask_for_link(registered)
    query = parse_qs(urlsplit(outbox_links(centra_sandbox)[0]).query)
    data = {"id": query["id"][0], "i": query["i"][0]}

    weak = registered.post("/account/password-reset", {**data, "newPassword": "abc"})
    good = registered.post("/account/password-reset", {**data, "newPassword": NEW_PASSWORD})

    assert weak.status_code == 400
    assert weak.context["form"].errors == {
        "newPassword": ["This password is not accepted: please use 4 to 128 characters."]
    }
    assert 'value="abc"' not in weak.content.decode()
    assert good.status_code == 302


def test_reset_requests_are_rate_limited_per_email(
    registered: Client, centra_sandbox: Sandbox, settings
) -> None:
    settings.ACCOUNT_RATE_LIMIT_PER_EMAIL = 2
    answers = [ask_for_link(Client(REMOTE_ADDR=f"10.0.1.{n}")).status_code for n in range(3)]

    assert answers == [200, 200, 429]
    assert len(outbox_links(centra_sandbox)) == 2


# -- newsletter -----------------------------------------------------------------------------------


def subscribed(sandbox: Sandbox) -> list[tuple[str, str | None, str | None]]:
    rows = sandbox.store.all("SELECT email, country, language FROM newsletter_subscriptions")
    return [(r["email"], r["country"], r["language"]) for r in rows]


def test_the_newsletter_form_subscribes_in_the_shoppers_country_and_language(
    client: Client, centra_sandbox: Sandbox
) -> None:
    response = client.post(
        "/account/newsletter", {"email": "news@example.com", "next": "/womens"}, follow=True
    )

    assert response.redirect_chain == [("/womens", 302)]
    assert messages_of(response) == ["Thank you! You are signed up for the newsletter."]
    assert subscribed(centra_sandbox) == [("news@example.com", "SE", "en")]
    assert calls(centra_sandbox) == {"POST newsletter-subscription/{email}": 1, "*": 1}


@pytest.mark.parametrize("email", ["not an email", "", "a@b", "x" * 300 + "@example.com"])
def test_a_bad_address_is_told_and_centra_not_asked(
    client: Client, centra_sandbox: Sandbox, email: str
) -> None:
    response = client.post("/account/newsletter", {"email": email, "next": "/womens"}, follow=True)

    assert messages_of(response) == ["Please enter a valid email address."]
    assert calls(centra_sandbox) == {}


def test_an_address_centra_refuses_is_told_as_bad(client: Client, centra_sandbox: Sandbox) -> None:
    # Django accepts it; the sandbox's stricter check (a dot in the domain) does not.
    response = client.post(
        "/account/newsletter", {"email": "someone@localhost", "next": "/womens"}, follow=True
    )

    assert messages_of(response) == ["Please enter a valid email address."]
    assert subscribed(centra_sandbox) == []


def test_the_honeypot_is_passed_to_centra_which_ignores_the_bot(
    client: Client, centra_sandbox: Sandbox
) -> None:
    response = client.post(
        "/account/newsletter",
        {"email": "bot@example.com", "email_field": "bot@example.com", "next": "/womens"},
        follow=True,
    )

    assert calls(centra_sandbox) == {"POST newsletter-subscription/{email}": 1, "*": 1}
    assert subscribed(centra_sandbox) == []
    # A bot is told what a person would be: nothing to learn from the answer.
    assert messages_of(response) == ["Thank you! You are signed up for the newsletter."]


def test_the_newsletter_is_rate_limited_per_ip(
    client: Client, centra_sandbox: Sandbox, settings
) -> None:
    settings.ACCOUNT_RATE_LIMIT_PER_IP = 2
    shown = []
    for n in range(3):
        response = client.post(
            "/account/newsletter", {"email": f"n{n}@example.com", "next": "/womens"}, follow=True
        )
        shown.append(messages_of(response))

    assert shown[-1] == ["Too many attempts. Please wait a few minutes and try again."]
    assert len(subscribed(centra_sandbox)) == 2
