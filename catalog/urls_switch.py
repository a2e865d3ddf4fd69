"""The switcher's route; included from the project's URLconf (``path("", include(...))``)."""

from django.urls import path

from catalog.views_switch import switch_shopper_location

urlpatterns = [
    path("shopper/location", switch_shopper_location, name="shopper-location"),
]
