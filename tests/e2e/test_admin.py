"""Staff in a real browser at 1280 px: the admin index shows the catalog's health, and the sync
runs and products lists fit the screen without scrolling sideways. Screenshots are saved to
``build/screenshots/`` to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import Product, SyncRun
from catalog.reference import invalidate
from catalog.sync import full_sync

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WIDTH = 1280


@pytest.fixture
def staff_page(page, live_server, django_user_model, centra_sandbox):
    run = full_sync(trigger="command")
    assert run.status == "succeeded", run.error
    invalidate()
    django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-for-tests")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pw-for-tests")
    with page.expect_navigation():
        page.click("input[type=submit]")
    return page


def _fits(page, selector: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    overflow = page.evaluate(
        "s => { const e = document.querySelector(s); return e.scrollWidth - e.clientWidth; }",
        selector,
    )
    assert overflow <= 0, f"{selector} scrolls sideways by {overflow}px"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-{name}-{WIDTH}.png"))


def test_admin_index_shows_the_catalogs_health(staff_page, live_server) -> None:
    page = staff_page
    page.goto(live_server.url + "/admin/")
    health = page.locator("#catalog-health")
    assert health.is_visible()
    text = health.inner_text()
    assert "up to date" in text
    assert f"{Product.objects.count()}" in text
    assert "0 failed" in text
    _shot(page, "index")
    _fits(page, "#content-main")


def test_sync_runs_and_products_lists_fit_1280px(staff_page, live_server) -> None:
    page = staff_page
    SyncRun.objects.filter(status="succeeded").update(
        error="CentraUnavailable: 503 Service Unavailable from POST products " * 5
    )
    page.goto(live_server.url + "/admin/catalog/syncrun/")
    assert page.locator("#result_list tbody tr").count() >= 1
    _shot(page, "syncruns")
    _fits(page, "#changelist .results")

    page.goto(live_server.url + "/admin/catalog/product/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == min(50, Product.objects.count())
    assert page.locator("#result_list img.thumb").count() > 0
    _shot(page, "products")
    _fits(page, "#changelist .results")

    rows.first.locator("td.field-name a").click()
    page.wait_for_load_state()
    assert page.locator("a.viewsitelink").count() == 1
    _shot(page, "product")
