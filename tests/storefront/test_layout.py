"""The base layout, static files and friendly error pages."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import path

from storefront.urls import urlpatterns as project_urls


def _explode(request):
    raise RuntimeError("boom: a view failed")


urlpatterns = [path("explode", _explode), *project_urls]
handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"


@pytest.mark.django_db
def test_home_page_has_the_responsive_layout(client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<header class="site-header">' in html
    assert '<nav class="main-nav" aria-label="Main">' in html
    assert '<footer class="site-footer">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert "/static/css/site.css" in html


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_stylesheet_is_served_by_whitenoise(client) -> None:
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    body = b"".join(response.streaming_content)
    assert b".site-header" in body


@pytest.mark.django_db
def test_unknown_page_gets_the_friendly_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_a_failing_view_gets_the_friendly_500_without_a_traceback(client) -> None:
    client.raise_request_exception = False
    response = client.get("/explode")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "boom" not in html
    assert "Traceback" not in html


# -- titles, error pages with DEBUG on, the footer, the language of each request ---------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Relaxed Blazer", "Relaxed Blazer | Centra Storefront"),
        ("  Search:   jeans ", "Search: jeans | Centra Storefront"),
        ("", "Centra Storefront"),
        ("Centra Storefront", "Centra Storefront"),
        ("Lookbook | Centra Storefront", "Lookbook | Centra Storefront"),
    ],
)
def test_every_title_is_the_page_then_the_shop(title: str, expected: str) -> None:
    from storefront.meta import PageMeta, document_title

    assert document_title(title) == expected
    assert PageMeta(title=title).document_title == expected


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_with_debug_on_shoppers_get_the_shops_pages_and_the_console_the_traceback(
    client, caplog
) -> None:
    client.raise_request_exception = False
    with caplog.at_level("ERROR", logger="django.request"):
        failed = client.get("/explode")
    html = failed.content.decode()
    assert failed.status_code == 500
    assert "Something went wrong on our side" in html
    assert "<title>Something went wrong | Centra Storefront</title>" in html
    assert "boom" not in html
    assert "Traceback" not in html
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert "boom: a view failed" in str(record.exc_info[1])

    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "We couldn't find that page" in missing.content.decode()
    assert "Using the URLconf" not in missing.content.decode()  # Django's debug 404


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=True, DEBUG_ERROR_PAGES=True)
def test_debug_error_pages_brings_back_djangos_debug_page(client) -> None:
    client.raise_request_exception = False
    response = client.get("/explode")
    assert response.status_code == 500
    assert "boom: a view failed" in response.content.decode()


@pytest.mark.django_db
def test_the_404_page_has_the_shops_header_and_footer_in_the_pages_language(client) -> None:
    response = client.get("/sv/no/such/page")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>Sidan hittades inte | Centra Storefront</title>" in html
    assert "Vi hittade inte sidan" in html
    assert '<a href="/sv/womens">Dam</a>' in html
    assert '<a href="/sv/about">Om oss</a>' in html


@pytest.mark.django_db
def test_the_footer_links_the_cms_pages_in_the_pages_language(client, centra_sandbox) -> None:
    html = client.get("/de/womens").content.decode()
    footer = html.split('<footer class="site-footer">')[1]
    assert '<a href="/de/customer-service/shipping">Versand und Lieferung</a>' in footer
    assert '<a href="/de/customer-service/returns">Rücksendungen</a>' in footer
    assert '<a href="/de/about">Über uns</a>' in footer
    assert '<a href="/de/terms">AGB</a>' in footer
    assert '<a href="/de/privacy">Datenschutz</a>' in footer
    # The links come from the settings: listing them asked Centra nothing.
    assert centra_sandbox.request_counts["*"] == 0
    # Each is a page Centra serves.
    for uri in ("customer-service/shipping", "customer-service/returns", "about", "terms"):
        assert client.get(f"/de/{uri}").status_code == 200, uri


@pytest.mark.django_db
@override_settings(FOOTER_PAGES=(("help/faq", "Questions"),), LEGAL_PAGES=())
def test_a_shop_names_its_own_footer_pages(client) -> None:
    html = client.get("/sv/womens").content.decode()
    footer = html.split('<footer class="site-footer">')[1]
    # A label without a translation in locale/ shows as written.
    assert '<a href="/sv/help/faq">Questions</a>' in footer
    assert 'aria-label="Juridiskt"' not in footer


def test_a_footer_page_setting_that_is_not_uri_and_label_stops_the_start() -> None:
    from tests.processes import run_python

    result = run_python(["manage.py", "check"], {"FOOTER_PAGES": "about"})
    assert result.returncode != 0
    assert "FOOTER_PAGES: 'about' is not <uri>=<label>" in result.stderr


@pytest.mark.django_db
def test_one_requests_language_never_reaches_the_next(client) -> None:
    german = client.get("/de/womens").content.decode()
    assert '<html lang="de">' in german
    assert "Zum Inhalt springen" in german
    # The same thread next serves an unprefixed page, and Django's own (admin) page.
    english = client.get("/womens").content.decode()
    assert "Skip to content" in english
    assert "Zum Inhalt springen" not in english
    admin = client.get("/admin/login/").content.decode()
    assert "Username" in admin


@pytest.mark.django_db
def test_a_product_without_images_gets_the_drawn_placeholder(client) -> None:
    from catalog.models import Product

    placeholder = '<span class="image-placeholder" role="img" aria-label="No image yet">'
    Product.objects.filter(uri="relaxed-blazer-brown").update(media={})

    product = client.get("/womens/jackets/relaxed-blazer-brown").content.decode()
    listing = client.get("/womens/jackets").content.decode()
    assert placeholder in product.split('class="product-gallery"')[1]
    card = listing.split('href="/womens/jackets/relaxed-blazer-brown"')[1].split("</article>")[0]
    assert placeholder in card
    assert "<img" not in card
    # The others keep their pictures.
    assert listing.count(placeholder) == 1
    assert '<img src="/sandbox/media/standard/' in listing
