"""``sitemap.xml`` (every product and category URL per language; an index when split) and
``robots.txt``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from catalog.models import Category
from tests.routing.helpers import LANGUAGES, in_market

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def _expected_urls() -> set[str]:
    paths = [
        f"/{category_uri}/{uri}" if category_uri else f"/{uri}"
        for uri, category_uri in in_market().values_list("uri", "category__uri")
    ]
    paths += [f"/{uri}" for uri in Category.objects.values_list("uri", flat=True)]
    urls = set()
    for code in LANGUAGES:
        prefix = "" if code == "en" else f"/{code}"
        urls |= {BASE + prefix + path for path in paths}
    return urls


def _locs(xml: bytes, tag: str) -> list[str]:
    # Our own response, not untrusted input.
    return [loc.text for loc in ET.fromstring(xml).findall(f"sm:{tag}/sm:loc", NS)]  # noqa: S314


def test_sitemap_lists_every_product_and_category_in_every_language(client) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    locs = _locs(response.content, "url")
    assert len(locs) == len(set(locs)) == (51 + 14) * 3
    assert set(locs) == _expected_urls()
    assert BASE + "/womens/jackets/relaxed-blazer-brown" in locs
    assert BASE + "/sv/womens/jackets/relaxed-blazer-brown" in locs
    assert BASE + "/de/womens" in locs
    # 102 and 110 are not sold in the default market: a crawler following them would get 404.
    assert not any("fjall-loose-jeans-blue" in loc for loc in locs)


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
    # Per language: 14 categories fit one page, 51 products need three.
    assert len(sitemaps) == 3 * (1 + 3)
    assert BASE + "/sitemap-products-sv.xml?p=3" in sitemaps
    assert BASE + "/sitemap-categories-en.xml" in sitemaps
    found: list[str] = []
    for sitemap in sitemaps:
        parts = urlsplit(sitemap)
        page = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert page.status_code == 200
        found += _locs(page.content, "url")
    assert len(found) == len(set(found))
    assert set(found) == _expected_urls()


def test_unknown_sitemap_section_or_page_is_not_found(client, settings) -> None:
    settings.SITEMAP_PAGE_SIZE = 20
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-products-en.xml?p=9").status_code == 404


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
