"""The embedded sandbox's browser pages are served by the storefront under /sandbox/."""

from __future__ import annotations

import pytest

from centra_sandbox import Sandbox


def _media_key(sandbox: Sandbox) -> str:
    return sandbox.store.one("SELECT key FROM media ORDER BY product_id, position")["key"]


@pytest.mark.django_db
def test_product_images_are_served_through_the_mount(client, centra_sandbox: Sandbox) -> None:
    response = client.get(f"/sandbox/media/standard/{_media_key(centra_sandbox)}.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response.content.startswith(b"<svg")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["api/checkout/languages", "_sandbox/requests"])
def test_api_and_control_api_are_not_reachable_from_a_browser(client, path: str) -> None:
    response = client.get(f"/sandbox/{path}")
    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content


@pytest.mark.django_db
def test_the_mount_is_gone_when_a_real_centra_is_configured(
    client, settings, centra_sandbox: Sandbox
) -> None:
    key = _media_key(centra_sandbox)
    settings.CENTRA_API_URL = "https://example.centra.com/api/checkout/"
    settings.CENTRA_SHARED_SECRET = "x"
    response = client.get(f"/sandbox/media/standard/{key}.svg")
    assert response.status_code == 404


@pytest.mark.django_db
def test_unknown_sandbox_page_is_a_404(client) -> None:
    assert client.get("/sandbox/media/standard/nope.svg").status_code == 404
