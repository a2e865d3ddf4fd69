"""The shop's catalog URLs, included at the site root by the project's URLconf. The catch-all
(:func:`routing.views.serve`) is not here: the project routes it last of all, after every other
app's URLs."""

from django.urls import path

from routing import sitemaps, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("search/suggestions", views.search_suggestions, name="search-suggestions"),
    path("shopper/location", views.switch_shopper_location, name="shopper-location"),
    path("sitemap.xml", sitemaps.sitemap_xml, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap-section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("preview/", views.preview_link, name="preview-link"),
    path("preview/open", views.preview_open, name="preview-open"),
    path("preview/exit", views.preview_exit, name="preview-exit"),
]
