"""``sitemap.xml`` (the home page, every category, product and CMS page in every language, each
with hreflang alternates and x-default; an index when split) and ``robots.txt``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Category
from tests.routing.helpers import LANGUAGES, in_market

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
BASE = "http://testserver"
CMS_PAGES = (  # the default SITEMAP_CMS_PAGES: the footer's pages
    "customer-service/shipping",
    "customer-service/returns",
    "about",
    "terms",
    "privacy",
)


def _paths() -> list[str]:
    """Every page's unprefixed path, computed from the tables, not from the code under test."""
    paths = ["/"]
    paths += [f"/{uri}" for uri in Category.objects.values_list("uri", flat=True)]
    paths += [
        f"/{category_uri}/{uri}" if category_uri else f"/{uri}"
        for uri, category_uri in in_market().values_list("uri", "category__uri")
    ]
    paths += [f"/{uri}" for uri in CMS_PAGES]
    return paths


def _url(path: str, code: str) -> str:
    return BASE + ("" if code == "en" else f"/{code}") + path


def _expected_urls() -> set[str]:
    return {_url(path, code) for path in _paths() for code in LANGUAGES}


def _locs(xml: bytes, tag: str) -> list[str]:
    # Our own response, not untrusted input.
    return [loc.text for loc in ET.fromstring(xml).findall(f"sm:{tag}/sm:loc", NS)]  # noqa: S314


def _alternates(xml: bytes) -> dict[str, dict[str, str]]:
    """{loc: {hreflang: href}} of every <url>."""
    root = ET.fromstring(xml)  # noqa: S314
    found = {}
    for url in root.findall("sm:url", NS):
        links = url.findall("xhtml:link", NS)
        assert all(link.get("rel") == "alternate" for link in links)
        found[url.find("sm:loc", NS).text] = {
            link.get("hreflang"): link.get("href") for link in links
        }
    return found


def test_sitemap_lists_home_categories_products_and_cms_pages_in_every_language(client) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    locs = _locs(response.content, "url")
    assert len(locs) == len(set(locs)) == (1 + 14 + 51 + len(CMS_PAGES)) * 3
    assert set(locs) == _expected_urls()
    assert BASE + "/" in locs
    assert BASE + "/sv/" in locs
    assert BASE + "/womens/jackets/relaxed-blazer-brown" in locs
    assert BASE + "/sv/womens/jackets/relaxed-blazer-brown" in locs
    assert BASE + "/de/womens" in locs
    assert BASE + "/de/customer-service/shipping" in locs
    # 102 and 110 are not sold in the default market: a crawler following them would get 404.
    assert not any("fjall-loose-jeans-blue" in loc for loc in locs)


def test_every_url_has_an_alternate_per_language_and_x_default(client) -> None:
    alternates = _alternates(client.get("/sitemap.xml").content)
    assert len(alternates) == (1 + 14 + 51 + len(CMS_PAGES)) * 3
    for loc, links in alternates.items():
        assert set(links) == {*LANGUAGES, "x-default"}, loc
        # The page itself is one of its alternates, and x-default is the default language's.
        assert loc in links.values()
        assert links["x-default"] == links["en"]
        path = urlsplit(links["en"]).path
        assert links == {**{code: _url(path, code) for code in LANGUAGES}, "x-default": BASE + path}
    blazer = alternates[BASE + "/sv/womens/jackets/relaxed-blazer-brown"]
    assert blazer == {
        "en": BASE + "/womens/jackets/relaxed-blazer-brown",
        "sv": BASE + "/sv/womens/jackets/relaxed-blazer-brown",
        "de": BASE + "/de/womens/jackets/relaxed-blazer-brown",
        "x-default": BASE + "/womens/jackets/relaxed-blazer-brown",
    }


def test_listed_cms_pages_and_home_answer(client) -> None:
    for loc in _locs(client.get("/sitemap.xml").content, "url"):
        path = urlsplit(loc).path
        if path.rstrip("/").rsplit("/", 1)[-1] in {"", "sv", "de", "about", "shipping"}:
            assert client.get(path).status_code == 200, path


def test_cms_pages_come_from_the_setting(client, settings) -> None:
    settings.SITEMAP_CMS_PAGES = ("about",)
    locs = set(_locs(client.get("/sitemap.xml").content, "url"))
    assert {BASE + "/about", BASE + "/sv/about", BASE + "/de/about"} <= locs
    assert not any("customer-service" in loc for loc in locs)


def test_sitemap_gives_lastmod_of_products(client) -> None:
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314
    entries = {
        url.find("sm:loc", NS).text: url.find("sm:lastmod", NS)
        for url in root.findall("sm:url", NS)
    }
    assert entries[BASE + "/womens/jackets/relaxed-blazer-brown"] is not None
    assert entries[BASE + "/womens"] is None


def test_a_large_sitemap_becomes_an_index_of_pages(client, settings) -> None:
    settings.SITEMAP_PAGE_SIZE = 20
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    sitemaps = _locs(response.content, "sitemap")
    # URLs (all languages): home 3 (1 page), categories 42 (3), products 153 (8), CMS 6 (1).
    assert len(sitemaps) == 1 + 3 + 8 + 1
    assert BASE + "/sitemap-products.xml?p=8" in sitemaps
    assert BASE + "/sitemap-home.xml" in sitemaps
    found: list[str] = []
    for sitemap in sitemaps:
        parts = urlsplit(sitemap)
        page = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert page.status_code == 200
        found += _locs(page.content, "url")
        assert all("x-default" in links for links in _alternates(page.content).values())
    assert len(found) == len(set(found))
    assert set(found) == _expected_urls()


def test_unknown_sitemap_section_or_page_is_not_found(client, settings) -> None:
    settings.SITEMAP_PAGE_SIZE = 20
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-products.xml?p=9").status_code == 404


def test_robots_txt(client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search",
        "Disallow: /de/search",
        "Disallow: /sv/search",
        "Disallow: /*?*brand=",
        "Disallow: /*?*size=",
        "Disallow: /*?*collection=",
        "Disallow: /*?*price=",
        "Disallow: /*?*in_stock=",
        "Disallow: /*?*sort=",
        "Sitemap: http://testserver/sitemap.xml",
    ]


def test_sitemap_costs_two_queries_and_no_centra_call(
    client, django_assert_num_queries, centra_sandbox
) -> None:
    client.get("/sitemap.xml")  # reference data warmed
    centra_sandbox.request_counts.clear()
    with django_assert_num_queries(2):  # categories, products
        assert client.get("/sitemap.xml").status_code == 200
    assert centra_sandbox.request_counts["*"] == 0


@given(
    section=st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True),
    page=st.text(max_size=12),
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_section_and_page_answer_without_a_500(client, section: str, page: str) -> None:
    response = client.get(f"/sitemap-{section}.xml", {"p": page})
    # A NUL is refused at the edge (storefront.request_edge) before the sitemap reads it.
    assert response.status_code in ((400,) if "\x00" in page else (200, 404))
    if response.status_code == 200:
        assert section in {"home", "categories", "products", "pages"}
