"""Resolving the shopper context (session, header, defaults), language URL prefixes, and what
resolving costs."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from catalog import models
from catalog.context import ShopperContext, localized_path
from catalog.reference import get_reference, invalidate
from catalog.signals import catalog_changed
from storefront.chrome import switcher
from storefront.session import CHOICES, COOKIE_NAME, ShopperCookie
from storefront.shopper import ShopperContextMiddleware, language_alternates, resolve_context
from tests.shopper_state import choice_cookies

pytestmark = pytest.mark.django_db


def request(path: str = "/", choices: dict | None = None, **headers: str) -> HttpRequest:
    """A request whose shopper cookie holds ``choices`` (country, language...)."""
    req = RequestFactory().get(path, headers=headers)
    req.session = SessionStore()
    if choices is not None:
        req.COOKIES.update(choice_cookies(choices))
    return req


def expected(country: str, language: str = "en") -> dict:
    """What the local copy says a shopper in ``country`` gets."""
    row = models.Country.objects.select_related("pricelist").get(code=country)
    return {
        "country": country,
        "market": row.market_id,
        "pricelist": row.pricelist_id,
        "currency": row.pricelist.currency,
        "currency_format": row.pricelist.currency_format,
        "language": language,
    }


def summary(ctx: ShopperContext) -> dict:
    return {
        "country": ctx.country,
        "market": ctx.market,
        "pricelist": ctx.pricelist,
        "currency": ctx.currency,
        "currency_format": ctx.currency_format,
        "language": ctx.language,
    }


# -- resolution order -------------------------------------------------------------------------


def test_without_choice_or_header_the_store_default_country_applies() -> None:
    default_market = models.Market.objects.get(is_default=True)
    default_pricelist = models.Pricelist.objects.get(is_default=True)
    home = models.Country.objects.get(
        market=default_market, pricelist=default_pricelist, ship_to=True
    )

    ctx = resolve_context(request())

    assert summary(ctx) == expected(home.code)
    assert (ctx.default_language, ctx.language_prefix, ctx.state) == ("en", "", None)


def test_configured_default_country_applies_when_nothing_else_says(settings) -> None:
    settings.SHOPPER_DEFAULT_COUNTRY = "DE"

    assert summary(resolve_context(request())) == expected("DE")


def test_the_cdn_country_header_picks_the_visitors_country(settings) -> None:
    settings.SHOPPER_COUNTRY_HEADER = "CF-IPCountry"
    settings.SHOPPER_DEFAULT_COUNTRY = "DE"

    assert summary(resolve_context(request(CF_IPCountry="US"))) == expected("US")
    assert summary(resolve_context(request(CF_IPCountry="us"))) == expected("US")
    # Unknown ("XX" is Cloudflare's "no idea"), or a country the store does not ship to: the
    # default, so a guess never strands the shopper.
    assert models.Country.objects.get(code="CH").ship_to is False
    assert summary(resolve_context(request(CF_IPCountry="XX"))) == expected("DE")
    assert summary(resolve_context(request(CF_IPCountry="CH"))) == expected("DE")


def test_the_header_is_ignored_unless_configured(settings) -> None:
    settings.SHOPPER_COUNTRY_HEADER = ""
    settings.SHOPPER_DEFAULT_COUNTRY = "DE"

    assert summary(resolve_context(request(CF_IPCountry="US"))) == expected("DE")


def test_the_shoppers_choice_in_the_session_wins_over_the_header(settings) -> None:
    settings.SHOPPER_COUNTRY_HEADER = "CF-IPCountry"
    chosen = request(choices={"country": "DK", "language": "en"}, CF_IPCountry="US")

    assert summary(resolve_context(chosen)) == expected("DK")


def test_market_and_pricelist_from_centra_are_used_for_the_same_country() -> None:
    # Centra put this shopper's selection in the VIP market and pricelist.
    centra = {"country": "SE", "language": "en", "market": 3, "pricelist": 4}
    vip = models.Pricelist.objects.get(pk=4)

    ctx = resolve_context(request(choices=centra))

    assert (ctx.country, ctx.market, ctx.pricelist) == ("SE", 3, 4)
    assert (ctx.currency, ctx.currency_format) == (vip.currency, vip.currency_format)


def test_centras_answer_naming_unknown_ids_falls_back_to_the_countrys_own() -> None:
    stale = {"country": "US", "language": "en", "market": 99, "pricelist": 4}

    assert summary(resolve_context(request(choices=stale))) == expected("US")


def test_an_unknown_country_in_the_session_is_ignored(settings) -> None:
    settings.SHOPPER_DEFAULT_COUNTRY = "FI"

    assert summary(resolve_context(request(choices={"country": "ZZ"}))) == expected("FI")


def test_state_is_kept_only_when_it_belongs_to_the_country() -> None:
    state = models.State.objects.filter(country_id="US").order_by("code").first()

    ctx = resolve_context(request(choices={"country": "US", "state": state.code}))
    other = resolve_context(request(choices={"country": "SE", "state": state.code}))

    assert (ctx.state, other.state) == (state.code, None)


def test_language_comes_from_the_url_not_the_session() -> None:
    chosen = request(choices={"country": "SE", "language": "sv"})

    assert resolve_context(chosen).language == "en"
    swedish = resolve_context(chosen, language="sv")
    assert (swedish.language, swedish.language_prefix) == ("sv", "/sv")
    assert swedish.url("/womens/shoes") == "/sv/womens/shoes"
    assert swedish.url("/") == "/sv/"
    assert resolve_context(chosen, language="xx").language == "en"


def test_an_empty_catalog_still_resolves_a_usable_context() -> None:
    models.Country.objects.all().delete()
    models.Language.objects.all().delete()
    models.Pricelist.objects.all().delete()
    models.Market.objects.all().delete()

    ctx = resolve_context(request())

    assert (ctx.country, ctx.market, ctx.pricelist, ctx.language, ctx.currency) == (
        None,
        0,
        0,
        "en",
        "",
    )


# -- the reference cache ----------------------------------------------------------------------


def test_resolving_costs_no_query_once_warm_even_for_a_returning_shopper(
    django_assert_num_queries,
) -> None:
    session = SessionStore()
    session["centra"] = {"token": "a-cart"}
    session.save()
    get_reference()  # warm

    anonymous = RequestFactory().get("/")
    anonymous.session = SessionStore()
    returning = request(choices={"country": "US", "language": "en"})
    returning.session = SessionStore(session_key=session.session_key)

    with django_assert_num_queries(0):
        assert resolve_context(anonymous).country == "SE"
    # The choices are in the signed shopper cookie: the server-side session is not read.
    with django_assert_num_queries(0):
        assert resolve_context(returning).country == "US"


def test_a_tampered_shopper_cookie_is_ignored() -> None:
    forged = request()
    value = ShopperCookie.encode({CHOICES: {"country": "US"}})
    forged.COOKIES[COOKIE_NAME] = value.replace(value.split(":")[0], "eyJjaG9pY2VzIjp7fX0")

    assert resolve_context(forged).country == "SE"


def test_a_cold_cache_reads_the_reference_tables_once(django_assert_num_queries) -> None:
    invalidate()

    with django_assert_num_queries(5):
        resolve_context(request())
    with django_assert_num_queries(0):
        resolve_context(request())


def test_the_syncs_announcement_of_reference_changes_refreshes_the_cache(
    django_assert_num_queries,
) -> None:
    get_reference()
    models.Country.objects.filter(code="SE").update(pricelist_id=2)  # no model signal

    with django_assert_num_queries(0):
        catalog_changed.send(sender=None, run=None, product_ids=frozenset({101}), kinds=frozenset())
        assert resolve_context(request()).pricelist == 1  # products only: kept
    catalog_changed.send(sender=None, run=None, product_ids=frozenset(), kinds={"country"})

    assert resolve_context(request()).pricelist == 2


def test_saving_a_reference_row_refreshes_the_cache() -> None:
    assert resolve_context(request(choices={"country": "FI"})).pricelist == 2
    finland = models.Country.objects.get(code="FI")
    finland.pricelist_id = 1
    finland.save()

    assert resolve_context(request(choices={"country": "FI"})).pricelist == 1


# -- language prefixes ------------------------------------------------------------------------


def seen_by_urlconf(path: str, method: str = "get") -> tuple[HttpResponse, HttpRequest | None]:
    """Run the middleware; returns its response and the request the view would have got."""
    got: list[HttpRequest] = []

    def view(req: HttpRequest) -> HttpResponse:
        got.append(req)
        return HttpResponse(req.path_info)

    middleware = ShopperContextMiddleware(view)
    req = getattr(RequestFactory(), method)(path)
    req.session = SessionStore()
    return middleware(req), (got[0] if got else None)


@pytest.mark.parametrize(
    ("path", "path_info", "language"),
    [
        ("/sv/womens/shoes", "/womens/shoes", "sv"),
        ("/de/", "/", "de"),
        ("/sv/search", "/search", "sv"),
        ("/womens", "/womens", "en"),
        ("/", "/", "en"),
        ("/fr/womens", "/fr/womens", "en"),  # not a store language
        ("/SV/womens", "/SV/womens", "en"),  # codes are matched exactly
        ("/svx/womens", "/svx/womens", "en"),
        ("/healthz", "/healthz", "en"),
    ],
)
def test_a_language_prefix_is_stripped_for_the_urlconf(
    path: str, path_info: str, language: str
) -> None:
    response, seen = seen_by_urlconf(path)

    assert response.status_code == 200
    assert (seen.path_info, seen.path, seen.shopper.language) == (path_info, path, language)
    assert seen.shopper.language_prefix == ("" if language == "en" else f"/{language}")


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/sv", "/sv/"),
        ("/sv?page=2", "/sv/?page=2"),
        ("/en/womens?page=2", "/womens?page=2"),
        ("/en", "/"),
        ("/en/", "/"),
        ("/en//evil.example/x", "/evil.example/x"),
    ],
)
def test_prefix_redirects_give_each_page_one_url_per_language(path: str, location: str) -> None:
    response, seen = seen_by_urlconf(path)

    assert (response.status_code, response["Location"], seen) == (301, location, None)


def test_other_methods_are_served_without_redirecting() -> None:
    response, seen = seen_by_urlconf("/en/womens", method="post")

    assert (response.status_code, seen.path_info, seen.shopper.language) == (200, "/womens", "en")


def test_paths_that_cannot_be_languages_cost_no_query(django_assert_num_queries) -> None:
    invalidate()

    with django_assert_num_queries(0):
        _, seen = seen_by_urlconf("/healthz")

    assert seen.path_info == "/healthz"


def test_the_unprefixed_urlconf_serves_prefixed_urls(client) -> None:
    assert client.get("/sv/healthz").json() == {"status": "ok"}
    assert client.get("/de/healthz").json() == {"status": "ok"}
    assert client.get("/fr/healthz").status_code == 404


def test_the_same_page_in_every_language() -> None:
    _, seen = seen_by_urlconf("/sv/womens/shoes")

    assert language_alternates(seen) == [
        ("en", "/womens/shoes"),
        ("de", "/de/womens/shoes"),
        ("sv", "/sv/womens/shoes"),
    ]
    assert localized_path("womens", "de", "en") == "/de/womens"
    assert localized_path("/womens", "en", "en") == "/womens"


def test_context_processor_offers_shippable_countries_and_languages() -> None:
    _, seen = seen_by_urlconf("/de/womens")
    choices = switcher(seen)

    shippable = models.Country.objects.filter(ship_to=True).order_by("name")
    assert [(c.value, c.label) for c in choices.countries] == [(c.code, c.name) for c in shippable]
    assert [c.value for c in choices.countries if c.selected] == ["SE"]
    assert [c.value for c in choices.languages if c.selected] == ["de"]
    assert sorted(c.value for c in choices.languages) == ["de", "en", "sv"]
    assert choices.next == "/de/womens"
