"""The project's URLs: probes, admin, the embedded sandbox's pages, each app's routes, and last
the catch-all that serves any other path as a product, category or CMS page (or a 404)."""

from django.contrib import admin
from django.urls import include, path, re_path

from routing.views import serve
from storefront import health
from storefront.sandbox_mount import sandbox_page
from storefront.shopper_state import shopper_state

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sandbox/<path:path>", sandbox_page, name="sandbox-page"),
    # What cached pages leave out (cart count, name, messages, CSRF token), for site.js.
    path("shopper/state", shopper_state, name="shopper-state"),
    path("", include("catalog.urls")),
    path("", include("routing.urls")),
    path("", include("cart.urls")),
    path("", include("accounts.urls")),
    # Last: any path nothing above claims is a product, category or CMS page (or a 404).
    re_path(r"^(?P<path>.+)$", serve, name="catch-all"),
]

handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
