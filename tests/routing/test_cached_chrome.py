"""What every shop page shows around its body is rendered once and kept, yet stays right: the
switcher's option lists (per country, language and reference data version), the category
navigation (per language and version) and the ``<head>`` tags (per page, origin and path).
Only the CSRF token and the switcher's ``next`` are per request."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from catalog import models
from catalog.signals import catalog_changed

pytestmark = pytest.mark.django_db

BLAZER = "/womens/jackets/relaxed-blazer-brown"
_SELECTED = re.compile(r'<option value="([^"]+)"(?: lang="[^"]+")? selected>')
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def select(html: str, select_id: str) -> str:
    return html.split(f'<select id="{select_id}"')[1].split("</select>")[0]


def selected(html: str, select_id: str) -> list[str]:
    return _SELECTED.findall(select(html, select_id))


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def announce_reference_change(kind: str) -> None:
    """What the sync sends after changing reference rows (here written without model
    signals, as the sync's bulk writes are)."""
    catalog_changed.send(sender=None, run=None, product_ids=frozenset(), kinds=frozenset({kind}))


# -- the switcher -----------------------------------------------------------------------------


def test_switcher_marks_the_visitors_country_and_language(client: Client) -> None:
    html = page(client, "/womens")
    assert selected(html, "switcher-country") == ["SE"]
    assert selected(html, "switcher-language") == ["en"]
    assert '<option value="sv" lang="sv">Swedish</option>' in select(html, "switcher-language")

    html = page(client, "/sv/womens")
    assert selected(html, "switcher-language") == ["sv"]
    assert selected(html, "switcher-country") == ["SE"]


def test_switcher_follows_a_country_change_and_keeps_other_visitors_own(
    client: Client,
) -> None:
    page(client, "/womens")  # the Swedish lists are built and kept

    response = client.post("/shopper/location", {"country": "DE", "language": "de", "next": "/"})
    assert response.status_code == 302

    html = page(client, "/de/womens")
    assert selected(html, "switcher-country") == ["DE"]
    assert selected(html, "switcher-language") == ["de"]
    other = page(Client(), "/womens")
    assert selected(other, "switcher-country") == ["SE"]
    assert selected(other, "switcher-language") == ["en"]
    # Back to the first combination: its kept lists still mark Sweden, not Germany.
    client.post("/shopper/location", {"country": "SE", "language": "en", "next": "/"})
    assert selected(page(client, "/womens"), "switcher-country") == ["SE"]


def test_switcher_follows_a_change_of_the_reference_data(client: Client) -> None:
    assert '<option value="DE">Germany</option>' in page(client, "/womens")
    models.Country.objects.filter(code="DE").update(name="Deutschland <DE>")
    models.Country.objects.filter(code="NO").update(ship_to=False)

    announce_reference_change("country")

    countries = select(page(client, "/womens"), "switcher-country")
    assert '<option value="DE">Deutschland &lt;DE&gt;</option>' in countries
    assert 'value="NO"' not in countries
    assert _SELECTED.findall(countries) == ["SE"]


def test_switcher_follows_a_change_saved_through_the_orm(client: Client) -> None:
    page(client, "/womens")
    germany = models.Country.objects.get(code="DE")
    germany.name = "Tyskland"
    germany.save()  # the reference data's own signal replaces its version

    assert '<option value="DE">Tyskland</option>' in page(client, "/womens")


def test_next_is_the_pages_and_the_csrf_token_comes_from_the_state_endpoint(
    client: Client,
) -> None:
    first = page(client, "/womens?sort=name")
    second = page(client, BLAZER)

    assert '<input type="hidden" name="next" value="/womens?sort=name">' in first
    assert f'<input type="hidden" name="next" value="{BLAZER}">' in second
    # A cached copy must not repeat one shopper's token: the field is empty, for the script.
    assert _TOKEN.search(first) is None
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-token>' in first
    # A masked token per answer (BREACH), for the same secret.
    tokens = [client.get("/shopper/state").json()["csrf_token"] for _ in range(2)]
    assert tokens[0] != tokens[1]


def test_switcher_form_posts_with_the_token_the_state_endpoint_gives() -> None:
    browser = Client(enforce_csrf_checks=True)
    page(browser, BLAZER)
    token = browser.get("/shopper/state").json()["csrf_token"]

    asked = browser.post("/shopper/location", {"country": "DE", "language": "de", "next": "/"})
    accepted = browser.post(
        "/shopper/location",
        {"country": "DE", "language": "de", "next": "/", "csrfmiddlewaretoken": token},
    )

    # Without a token or a same-origin browser: a question, and nothing done.
    assert (asked.status_code, asked.context["question"]) == (
        200,
        "Change your country and language?",
    )
    assert (accepted.status_code, accepted["Location"]) == (302, "/de/")


# -- the navigation ---------------------------------------------------------------------------


def test_navigation_is_in_the_pages_language(client: Client) -> None:
    english = page(client, "/womens").split('<nav class="main-nav"')[1].split("</nav>")[0]
    swedish = page(client, "/sv/womens").split('<nav class="main-nav"')[1].split("</nav>")[0]

    assert '<li><a href="/womens">Womens</a></li>' in english
    assert '<li><a href="/sv/womens">Dam</a></li>' in swedish
    # The header's search and the brand's home link, in the page's language.
    assert '<form class="header-search" method="get" action="/search"' in page(client, "/womens")
    swedish_page = page(client, "/sv/womens")
    assert '<form class="header-search" method="get" action="/sv/search"' in swedish_page
    assert '<a class="brand" href="/sv/">' in swedish_page
    assert '<button type="submit">Sök</button>' in swedish_page


def test_navigation_follows_a_category_rename(client: Client) -> None:
    page(client, BLAZER)
    models.CategoryText.objects.filter(category__uri="mens", language_id="en").update(
        name_path=["Menswear"]
    )

    announce_reference_change("category")

    assert '<li><a href="/mens">Menswear</a></li>' in page(client, BLAZER)


# -- the <head> tags --------------------------------------------------------------------------


def test_product_head_follows_the_host_asked_for(client: Client) -> None:
    assert f'<link rel="canonical" href="http://testserver{BLAZER}">' in page(client, BLAZER)

    html = client.get(BLAZER, HTTP_HOST="localhost").content.decode()

    assert f'<link rel="canonical" href="http://localhost{BLAZER}">' in html
    assert f'hreflang="sv" href="http://localhost/sv{BLAZER}"' in html
    assert '"url":"http://localhost' + BLAZER in html
    assert "testserver" not in html


def test_product_head_follows_a_product_change(client: Client) -> None:
    assert "<title>Relaxed Blazer | Centra Storefront</title>" in page(client, BLAZER)
    models.ProductText.objects.filter(product_id=101, language_id="en").update(
        meta_title="Blazer of the season"
    )

    catalog_changed.send(sender=None, run=None, product_ids=frozenset({101}), kinds=frozenset())

    html = page(client, BLAZER)
    assert "<title>Blazer of the season | Centra Storefront</title>" in html
    assert '<meta property="og:title" content="Blazer of the season">' in html


def test_category_head_of_each_page_is_its_own(client: Client, settings) -> None:
    settings.CATALOG_PAGE_SIZE = 10
    first = page(client, "/womens")
    second = page(client, "/womens?page=2")
    sorted_second = page(client, "/womens?sort=name&page=2")

    assert '<link rel="canonical" href="http://testserver/womens">' in first
    assert 'rel="prev"' not in first.split("</head>")[0]
    assert '<link rel="canonical" href="http://testserver/womens?page=2">' in second
    assert '<link rel="prev" href="http://testserver/womens">' in second
    assert '<link rel="next" href="http://testserver/womens?page=3">' in second
    assert '<link rel="prev" href="http://testserver/womens?sort=name">' in sorted_second


def test_search_head_names_each_query(client: Client) -> None:
    jeans = page(client, "/search?q=jeans")
    shirt = page(client, "/search?q=shirt")

    assert "<title>Search: jeans | Centra Storefront</title>" in jeans
    assert "<title>Search: shirt | Centra Storefront</title>" in shirt
    assert '<meta name="robots" content="noindex, follow">' in shirt


def test_the_shared_header_and_footer_send_every_page_back_to_itself(client) -> None:
    # The header and footer of shopper-free pages are rendered once per language and country
    # (storefront/templatetags/shopper_free.py); the forms' "next" is still each page's own.
    first = client.get("/womens?sort=price_asc").content.decode()
    second = client.get("/mens").content.decode()
    swedish = client.get("/sv/mens").content.decode()

    assert first.count('name="next" value="/womens?sort=price_asc"') == 3
    assert second.count('name="next" value="/mens"') == 3
    assert swedish.count('name="next" value="/sv/mens"') == 3
    assert 'value="/womens' not in second
    assert "__shop_here_path__" not in first + second + swedish


def test_the_shared_header_follows_the_shoppers_country(client) -> None:
    client.get("/mens")
    client.cookies["shop_market"] = "US"
    american = client.get("/mens").content.decode()
    client.cookies["shop_market"] = "DE"
    german = client.get("/mens").content.decode()

    assert '<span class="locale-current">US · EN</span>' in american
    assert '<span class="locale-current">DE · EN</span>' in german
