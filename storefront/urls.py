from django.contrib import admin
from django.urls import include, path, re_path

from catalog import sitemaps, views_shop
from centra.views import sandbox_page
from routing.views import serve
from storefront import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sandbox/<path:path>", sandbox_page, name="sandbox-page"),
    path("", include("catalog.urls")),
    path("", include("catalog.urls_switch")),
    path("", views_shop.home, name="home"),
    path("search", views_shop.search, name="search"),
    path("sitemap.xml", sitemaps.sitemap_xml, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("preview/", include("routing.urls")),
    # Last: any path nothing above claims is a product, category or CMS page (or a 404).
    re_path(r"^(?P<path>.+)$", serve, name="catch-all"),
]

handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
