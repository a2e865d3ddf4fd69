"""Preview mode: staff-only or by signed, expiring link; a banner; ``Cache-Control: private,
no-store``; content fetched live from Centra and never stored in the catalog or the cache."""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.core import signing
from django.core.cache import cache

from routing import preview

pytestmark = pytest.mark.django_db

ARTICLE = "/summer-preview"  # an unpublished CMS article
CAPSULE_TOP = (
    "/womens/capsule/studio-capsule-top-navy"  # 103: unpublished, in an unpublished category
)
BLAZER = "/womens/jackets/relaxed-blazer-brown"
BANNER = '<div class="preview-banner" role="status">'


@pytest.fixture
def staff_preview(admin_client) -> object:
    """A staff browser session with preview switched on."""
    response = admin_client.get("/womens?preview=1")
    assert BANNER in response.content.decode()
    return admin_client


def _catalog_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("catalog").get_models()
    }


def _cache_keys() -> set[str]:
    return set(cache._cache.keys())  # the test settings' local-memory cache


# -- who may preview --------------------------------------------------------------------------


def test_anonymous_visitors_asking_for_preview_get_the_public_site(client) -> None:
    for path in (ARTICLE, CAPSULE_TOP, "/womens/capsule"):
        response = client.get(path + "?preview=1")
        assert response.status_code == 404, path
        assert BANNER not in response.content.decode()
    response = client.get(BLAZER + "?preview=1")
    assert response.status_code == 200
    assert BANNER not in response.content.decode()
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_signed_in_customer_who_is_not_staff_gets_no_preview(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("shopper", password="pw-123456789")
    client.force_login(user)
    assert client.get(ARTICLE + "?preview=1").status_code == 404


def test_staff_see_unpublished_content_with_a_banner_and_no_caching(staff_preview) -> None:
    for path, text in [
        (ARTICLE, '<h1 id="article-title">Summer preview</h1>'),
        (CAPSULE_TOP, '<h1 id="product-name">Studio Capsule Top</h1>'),
        ("/womens/capsule", "<h1>Capsule</h1>"),
    ]:
        response = staff_preview.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert text in html
        assert BANNER in html
        assert "This content is <strong>not published</strong>." in html
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_preview_pages_are_read_live_from_centra(staff_preview, client, centra_sandbox) -> None:
    # Changed in Centra, not synced: preview shows it, the public page still shows the copy.
    centra_sandbox.store.db.execute(
        "UPDATE product_texts SET name = 'Blazer, new season' WHERE product_id = 101"
    )
    preview_html = staff_preview.get(BLAZER).content.decode()
    assert '<h1 id="product-name">Blazer, new season</h1>' in preview_html
    public_html = client.get(BLAZER).content.decode()
    assert '<h1 id="product-name">Relaxed Blazer</h1>' in public_html


def test_preview_writes_nothing_to_the_catalog_or_the_cache(staff_preview, centra_sandbox) -> None:
    staff_preview.get("/womens")  # reference data and the category tree are in memory now
    counts, keys = _catalog_counts(), _cache_keys()
    calls = centra_sandbox.request_counts["POST uri"]
    for path in ("/", ARTICLE, CAPSULE_TOP, BLAZER, "/womens/capsule", "/no-such-page"):
        staff_preview.get(path)
    assert centra_sandbox.request_counts["POST uri"] == calls + 6
    assert _catalog_counts() == counts
    assert _cache_keys() == keys


def test_preview_pages_never_show_the_shared_secret(staff_preview) -> None:
    for path in ("/", ARTICLE, CAPSULE_TOP):
        assert "sandbox-shared-secret" not in staff_preview.get(path).content.decode()


def test_preview_can_be_left(staff_preview) -> None:
    response = staff_preview.post("/preview/exit", {"next": "/womens"})
    assert response.status_code == 302
    assert response["Location"] == "/womens"
    assert staff_preview.get(ARTICLE).status_code == 404
    staff_preview.get("/?preview=1")
    assert staff_preview.get(ARTICLE + "?preview=0").status_code == 404


def test_leaving_preview_never_redirects_off_site(staff_preview) -> None:
    response = staff_preview.post("/preview/exit", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_preview_with_centra_down_falls_back_to_the_published_page(
    staff_preview, centra_sandbox
) -> None:
    centra_sandbox.faults.down = "refuse"
    response = staff_preview.get(BLAZER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Centra could not be reached" in html
    assert '<h1 id="product-name">Relaxed Blazer</h1>' in html
    assert response["Cache-Control"] == "private, no-store"


# -- preview links ---------------------------------------------------------------------------


def _make_link(admin_client, path: str) -> str:
    response = admin_client.get("/preview/", {"path": path})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.context["link"].removeprefix("http://testserver")


def test_staff_make_a_link_that_lets_anyone_preview(admin_client, client) -> None:
    link = _make_link(admin_client, ARTICLE)
    assert link.startswith("/preview/open?t=")
    assert "sandbox-shared-secret" not in link
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == ARTICLE
    response = client.get(ARTICLE)
    assert response.status_code == 200
    assert BANNER in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    # The whole session is in preview until the link expires, not just the linked page.
    assert client.get(CAPSULE_TOP).status_code == 200


def test_only_staff_can_make_preview_links(client) -> None:
    response = client.get("/preview/", {"path": ARTICLE})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_expired_link_is_refused(client, monkeypatch, settings) -> None:
    settings.PREVIEW_LINK_MAX_AGE = 3600
    issued = time.time() - 3601
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(issued))
    )
    token = preview.make_link_token(ARTICLE, now=issued)
    monkeypatch.undo()
    response = client.get(preview.link_url(token))
    assert response.status_code == 403
    assert "This preview link is not valid" in response.content.decode()
    assert client.get(ARTICLE).status_code == 404


def test_a_link_still_within_its_age_works(client, monkeypatch, settings) -> None:
    settings.PREVIEW_LINK_MAX_AGE = 3600
    issued = time.time() - 3000
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(issued))
    )
    token = preview.make_link_token(ARTICLE, now=issued)
    monkeypatch.undo()
    assert client.get(preview.link_url(token)).status_code == 302
    assert client.get(ARTICLE).status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "x:y:z"])
def test_a_malformed_link_is_refused(client, token: str) -> None:
    assert client.get("/preview/open", {"t": token}).status_code == 403
    assert client.get(ARTICLE).status_code == 404


def test_a_tampered_link_is_refused(admin_client, client) -> None:
    link = _make_link(admin_client, ARTICLE)
    assert client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 403
    assert client.get(ARTICLE).status_code == 404


def test_a_link_cannot_redirect_off_site(client) -> None:
    token = preview.make_link_token("//evil.example/x")
    response = client.get(preview.link_url(token))
    assert response["Location"] == "/"
