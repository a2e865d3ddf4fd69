from django.contrib import admin
from django.urls import path

from centra.views import sandbox_page
from storefront import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("sandbox/<path:path>", sandbox_page, name="sandbox-page"),
    path("", views.home, name="home"),
]

handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
