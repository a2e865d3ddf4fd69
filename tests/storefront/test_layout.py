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
