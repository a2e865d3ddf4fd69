"""The cart's URLs, included at the site root (and so under every language prefix)."""

from django.urls import path, re_path

from cart import views

# Centra's line ids are 32 hex digits; anything far from that is not a line.
LINE = r"(?P<line>[0-9A-Za-z_-]{1,64})"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    # Without its slash the path would reach the catch-all and ask Centra what "cart" is.
    path("cart", views.add_slash),
    path("cart/add", views.add, name="cart-add"),
    re_path(rf"^cart/lines/{LINE}/quantity$", views.set_quantity, name="cart-line-quantity"),
    re_path(rf"^cart/lines/{LINE}/size$", views.change_size, name="cart-line-size"),
    re_path(rf"^cart/lines/{LINE}/remove$", views.remove, name="cart-line-remove"),
    path("cart/vouchers", views.add_voucher, name="cart-voucher-add"),
    path("cart/vouchers/remove", views.remove_voucher, name="cart-voucher-remove"),
]
