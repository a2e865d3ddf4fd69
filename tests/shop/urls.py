"""The project's URLs plus the switcher's, as the project will include them."""

from django.urls import include, path

from storefront.urls import handler404, handler500
from storefront.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("", include("catalog.urls_switch")), *project_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
