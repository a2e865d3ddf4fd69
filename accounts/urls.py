"""The account URLs, under ``account/`` (and so under every language prefix)."""

from django.urls import path, re_path

from accounts import pages, views

# Centra's order numbers are short and alphanumeric; anything else is not an order.
ORDER = r"(?P<number>[0-9A-Za-z-]{1,32})"

urlpatterns = [
    path("account/", pages.home, name="account-home"),
    path("account/sign-in", views.sign_in, name="account-sign-in"),
    path("account/register", views.register, name="account-register"),
    path("account/sign-out", views.sign_out, name="account-sign-out"),
    path("account/forgot-password", views.reset_request, name="account-reset-request"),
    path("account/password-reset", views.reset, name="account-reset"),
    path("account/newsletter", views.newsletter, name="account-newsletter"),
    path("account/profile", pages.profile, name="account-profile"),
    path("account/address", pages.address, name="account-address"),
    path("account/email", pages.email, name="account-email"),
    path("account/password", pages.password, name="account-password"),
    path("account/orders/", pages.orders, name="account-orders"),
    re_path(rf"^account/orders/{ORDER}/$", pages.order, name="account-order"),
    path("account/wishlist/", pages.wishlist, name="account-wishlist"),
    path("account/wishlist/add", pages.wishlist_add, name="account-wishlist-add"),
    path("account/wishlist/remove", pages.wishlist_remove, name="account-wishlist-remove"),
]
