"""The cart's URLs, included at the site root (and so under every language prefix)."""

from django.urls import path, re_path

from cart import checkout_views, views

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
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout", views.add_slash),
    path("checkout/fields", checkout_views.save_fields, name="checkout-fields"),
    path("checkout/payment/<uuid:attempt_id>/", checkout_views.payment_page, name="payment-page"),
    path(
        "checkout/payment/<uuid:attempt_id>/widget",
        checkout_views.widget_callback,
        name="payment-widget",
    ),
    path(
        "checkout/payment/<uuid:attempt_id>/return",
        checkout_views.payment_return,
        name="payment-return",
    ),
    path(
        "checkout/payment/<uuid:attempt_id>/failed",
        checkout_views.payment_failed,
        name="payment-failed",
    ),
    path("checkout/receipt/<uuid:attempt_id>/", checkout_views.receipt, name="receipt"),
]
