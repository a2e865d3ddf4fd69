"""The country/language switcher: without a selection the choice is the storefront's; with one,
Centra decides the market and pricelist."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from catalog import models
from catalog.selectors import list_products
from centra.connection import get_client
from centra_sandbox import Sandbox
from storefront.session import CENTRA_KEY as CENTRA_SESSION_KEY
from tests.shopper_state import choices

pytestmark = pytest.mark.django_db

SWITCH = "/shopper/location"
PUT_COUNTRY = "PUT countries/{country}"
PUT_LANGUAGE = "PUT languages/{language}"


def start_selection(client: Client) -> str:
    """Give the browser session a Centra selection, as the cart will."""
    token = get_client().get("selection").token
    session = client.session
    session[CENTRA_SESSION_KEY] = {"token": token}
    session.save()
    return token


def shopper_of(client: Client, path: str = "/healthz"):
    """The shopper context the next request from this browser gets."""
    response = client.get(path)
    return response.wsgi_request.shopper


def price_texts(ctx) -> dict[int, str | None]:
    return {card.id: card.price_text for card in list_products(ctx, per_page=100).products}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- without a selection ----------------------------------------------------------------------


def test_switching_country_without_a_selection_changes_pricelist_and_currency(
    client: Client, centra_sandbox: Sandbox
) -> None:
    before = shopper_of(client)
    centra_sandbox.request_counts.clear()

    response = client.post(
        SWITCH, {"country": "DE", "language": "de", "next": "/womens/shoes?page=2"}
    )

    assert (response.status_code, response["Location"]) == (302, "/de/womens/shoes?page=2")
    assert choices(client) == {"country": "DE", "state": None, "language": "de"}
    after = shopper_of(client, "/de/healthz")
    germany = models.Country.objects.select_related("pricelist").get(code="DE")
    assert (before.country, before.currency) == ("SE", "SEK")
    assert (after.country, after.market, after.pricelist, after.currency, after.language) == (
        "DE",
        germany.market_id,
        germany.pricelist_id,
        "EUR",
        "de",
    )
    euro = dict(
        models.ProductPrice.objects.filter(pricelist_id=germany.pricelist_id).values_list(
            "product_id", "price_text"
        )
    )
    assert all(text == euro.get(pid) for pid, text in price_texts(after).items())
    assert centra_sandbox.request_counts["*"] == 0


def test_switching_only_the_language_keeps_the_country(client: Client) -> None:
    client.post(SWITCH, {"country": "FI", "language": "en"})

    response = client.post(SWITCH, {"language": "sv", "next": "/mens"})

    assert response["Location"] == "/sv/mens"
    assert choices(client) == {"country": "FI", "state": None, "language": "sv"}


# -- with a selection: Centra decides ---------------------------------------------------------


def test_with_a_selection_the_country_goes_through_centra_and_its_answer_is_used(
    client: Client, centra_sandbox: Sandbox
) -> None:
    token = start_selection(client)
    # Centra's own idea of the United States differs from the local copy's: the storefront
    # must follow Centra's answer, not look the country up itself.
    centra_sandbox.store.db.execute("UPDATE countries SET pricelist = 4 WHERE code = 'US'")
    local_us = models.Country.objects.get(code="US")
    assert local_us.pricelist_id != 4
    centra_sandbox.request_counts.clear()

    response = client.post(SWITCH, {"country": "US", "language": "en", "next": "/mens"})

    assert response["Location"] == "/mens"
    assert centra_sandbox.request_counts[PUT_COUNTRY] == 1
    assert centra_sandbox.request_counts[PUT_LANGUAGE] == 0
    assert choices(client) == {
        "country": "US",
        "state": None,
        "language": "en",
        "market": local_us.market_id,
        "pricelist": 4,
    }
    ctx = shopper_of(client)
    assert (ctx.country, ctx.market, ctx.pricelist, ctx.currency) == (
        "US",
        local_us.market_id,
        4,
        "SEK",
    )
    location = get_client().get("selection", token=token).data["location"]
    assert (location["country"], location["pricelist"]) == ("US", 4)
    assert client.session[CENTRA_SESSION_KEY] == {"token": token}


def test_with_a_selection_a_language_change_alone_is_put_to_centra(
    client: Client, centra_sandbox: Sandbox
) -> None:
    token = start_selection(client)
    centra_sandbox.request_counts.clear()

    response = client.post(SWITCH, {"country": "SE", "language": "sv", "next": "/"})

    assert response["Location"] == "/sv/"
    assert centra_sandbox.request_counts[PUT_LANGUAGE] == 1
    assert centra_sandbox.request_counts[PUT_COUNTRY] == 0
    location = get_client().get("selection", token=token).data["location"]
    assert location["language"]["language"] == "sv"
    assert choices(client)["language"] == "sv"


def test_centra_down_refuses_the_change_and_changes_nothing(
    client: Client, centra_sandbox: Sandbox
) -> None:
    start_selection(client)
    centra_sandbox.faults.down = "503"

    response = client.post(SWITCH, {"country": "US", "language": "de", "next": "/sv/mens"})

    assert response["Location"] == "/sv/mens"
    assert choices(client) == {}
    assert messages_of(response) == [
        "We could not change your country or language just now. Please try again."
    ]


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "language", "message"),
    [
        ("XX", "en", "Please choose a country from the list."),
        ("CH", "en", "Sorry, we do not deliver to Switzerland."),
        ("DE", "fr", "Please choose a language from the list."),
    ],
)
@pytest.mark.parametrize("with_selection", [False, True])
def test_unknown_or_unshippable_choices_are_refused_and_change_nothing(
    client: Client,
    centra_sandbox: Sandbox,
    country: str,
    language: str,
    message: str,
    with_selection: bool,
) -> None:
    if with_selection:
        start_selection(client)
    centra_sandbox.request_counts.clear()

    response = client.post(SWITCH, {"country": country, "language": language, "next": "/sale"})

    assert (response.status_code, response["Location"]) == (302, "/sale")
    assert messages_of(response) == [message]
    assert choices(client) == {}
    assert centra_sandbox.request_counts["*"] == 0


# -- the way back -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "referer", "location"),
    [
        ("/sv/mens?sort=name", None, "/de/mens?sort=name"),
        ("/en/mens", None, "/de/mens"),
        ("http://testserver/mens", None, "/de/mens"),
        ("https://evil.example/mens", None, "/de/"),
        ("//evil.example/mens", None, "/de/"),
        ("/\\evil.example", None, "/de/"),
        ("javascript:alert(1)", None, "/de/"),
        (None, "http://testserver/sv/sale?page=2", "/de/sale?page=2"),
        (None, "https://evil.example/sale", "/de/"),
        (None, None, "/de/"),
    ],
)
def test_the_shopper_returns_to_the_same_page_of_this_site_only(
    client: Client, next_url: str | None, referer: str | None, location: str
) -> None:
    data = {"country": "DE", "language": "de"}
    if next_url is not None:
        data["next"] = next_url
    headers = {"Referer": referer} if referer else {}

    response = client.post(SWITCH, data, headers=headers)

    assert response["Location"] == location


def test_the_switch_needs_post_and_a_csrf_token_or_a_same_origin_browser() -> None:
    browser = Client(enforce_csrf_checks=True)

    assert browser.get(SWITCH).status_code == 405
    asked = browser.post(SWITCH, {"country": "DE", "language": "de"})
    assert (asked.status_code, asked.context["question"]) == (
        200,
        "Change your country and language?",
    )
    assert choices(browser) == {}
    done = browser.post(
        SWITCH, {"country": "DE", "language": "de"}, HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert done.status_code == 302
    assert choices(browser)["country"] == "DE"


def test_the_header_form_posts_to_the_switch_with_a_csrf_token(client: Client) -> None:
    response = client.get("/de/")

    html = response.content.decode()
    assert f'action="{SWITCH}"' in html
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-token>' in html
    assert '<input type="hidden" name="next" value="/de/">' in html
    assert '<option value="SE" selected>Sweden</option>' in html
    assert '<option value="de" lang="de" selected>German</option>' in html
    assert "Switzerland" not in html
