"""The signed-in customer's pages: the account overview, profile, address, email, password,
order history, an order, and the wishlist (with its add and remove buttons).

One Centra call per page or action (``accounts.services``); none at all for the password page,
which only needs the session's login. A session that is not logged in, or that Centra answers
403 for (token expired), goes to the sign-in page and comes back here afterwards.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import services
from accounts.answers import page, to_sign_in, unavailable, url
from accounts.forms import AddressForm, EmailForm, PasswordForm, ProfileForm
from accounts.services import AccountRefused, Customer, SignInRequired
from catalog.cards import cards_for, ordered_cards
from centra.errors import CentraError
from storefront.return_paths import return_path
from storefront.same_origin import same_origin_post
from storefront.session import CustomerLogin
from storefront.shopper import ShopRequest

ORDERS_PER_PAGE = 10
MAX_PAGE = 10_000
_PAGE = re.compile(r"^[1-9][0-9]{0,4}$")
_PRODUCT = re.compile(r"^[1-9][0-9]{0,9}$")

View = Callable[..., HttpResponse]


def account_page(view: View) -> View:
    """Signed-in customers only; Centra unreachable is a 503 page."""

    @functools.wraps(view)
    def wrapper(request: ShopRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except SignInRequired:
            return to_sign_in(request)
        except CentraError:
            return unavailable(request)

    return never_cache(wrapper)


@require_safe
@account_page
def home(request: ShopRequest) -> HttpResponse:
    customer = services.profile(request.browser)
    return page(request, "accounts/home.html", _("Your account"), {"customer": customer})


@require_http_methods(["GET", "POST"])
@account_page
def profile(request: ShopRequest) -> HttpResponse:
    return _edit(request, ProfileForm, services.update_profile, _("Your details"), _profile_initial)


@require_http_methods(["GET", "POST"])
@account_page
def address(request: ShopRequest) -> HttpResponse:
    return _edit(request, AddressForm, services.update_address, _("Your address"), _address_initial)


@require_http_methods(["GET", "POST"])
@account_page
def email(request: ShopRequest) -> HttpResponse:
    def change(browser: Any, data: dict[str, Any]) -> Customer:
        return services.change_email(browser, data["newEmail"])

    return _edit(request, EmailForm, change, _("Your email"), lambda c: {"newEmail": ""})


@require_http_methods(["GET", "POST"])
@account_page
def password(request: ShopRequest) -> HttpResponse:
    title = _("Your password")
    if not CustomerLogin(request.browser).signed_in:
        raise SignInRequired
    if request.method == "GET":
        return page(request, "accounts/edit.html", title, {"form": PasswordForm()})
    form = PasswordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_password(request.browser, data["password"], data["newPassword"])
        except AccountRefused as refused:
            form.add_centra_errors(refused.fields or {"__all__": refused.message})
        else:
            messages.success(request, _("Your password is changed."))
            return HttpResponseRedirect(url(request, "account-home"))
    return page(request, "accounts/edit.html", title, {"form": form}, status=400)


@require_safe
@account_page
def orders(request: ShopRequest) -> HttpResponse:
    raw = request.GET.get("page", "1")
    number = int(raw) if _PAGE.match(raw) and int(raw) <= MAX_PAGE else 1
    history = services.order_history(request.browser, number, ORDERS_PER_PAGE)
    context = {"history": history, "orders_url": url(request, "account-orders")}
    return page(request, "accounts/orders.html", _("Your orders"), context)


@require_safe
@account_page
def order(request: ShopRequest, number: str) -> HttpResponse:
    found = services.order(request.browser, number)
    if found is None:
        raise Http404("not this customer's order")
    title = _("Order %(number)s") % {"number": found.number}
    return page(request, "accounts/order.html", title, {"order": found})


@require_safe
@account_page
def wishlist(request: ShopRequest) -> HttpResponse:
    ids = services.wishlist(request.browser)
    cards = ordered_cards(cards_for(request.shopper, ids), ids)
    return page(request, "accounts/wishlist.html", _("Your wishlist"), {"cards": cards})


@same_origin_post(lambda request: _("Save this product to your wishlist?"))
@require_POST
@never_cache
def wishlist_add(request: ShopRequest) -> HttpResponse:
    return _wishlist_change(request, services.add_to_wishlist, _("Saved to your wishlist."))


@require_POST
@never_cache
def wishlist_remove(request: ShopRequest) -> HttpResponse:
    return _wishlist_change(
        request, services.remove_from_wishlist, _("Removed from your wishlist.")
    )


# -- helpers --------------------------------------------------------------------------------------


def _wishlist_change(
    request: ShopRequest, change: Callable[[Any, int], list[int]], done: str
) -> HttpResponse:
    back = return_path(request, request.POST.get("next"))
    raw = request.POST.get("product", "")
    if not _PRODUCT.match(raw):
        messages.error(request, _("That product cannot be saved."))
        return HttpResponseRedirect(back)
    try:
        change(request.browser, int(raw))
    except SignInRequired:
        messages.info(request, _("Please sign in to use your wishlist."))
        return to_sign_in(request, back)
    except AccountRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(back)
    except CentraError:
        messages.error(request, _("We could not reach your wishlist just now. Please try again."))
        return HttpResponseRedirect(back)
    messages.success(request, done)
    return HttpResponseRedirect(back)


def _edit(
    request: ShopRequest,
    form_class: type[forms.Form],
    save: Callable[[Any, dict[str, Any]], Customer],
    title: str,
    initial: Callable[[Customer], dict[str, Any]],
) -> HttpResponse:
    """A page with one form on the customer's account: GET shows it filled from ``GET
    customer``; POST saves it (one call) and goes back to the account, or shows what Centra
    refused."""
    if request.method == "GET":
        customer = services.profile(request.browser)
        form = form_class(initial=initial(customer))
        return page(request, "accounts/edit.html", title, {"form": form, "customer": customer})
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(request.browser, form.cleaned_data)
        except AccountRefused as refused:
            form.add_centra_errors(refused.fields or {"__all__": refused.message})  # type: ignore[attr-defined]
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(url(request, "account-home"))
    return page(request, "accounts/edit.html", title, {"form": form}, status=400)


def _profile_initial(customer: Customer) -> dict[str, Any]:
    return {
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "phoneNumber": customer.phone,
        "newsletter": customer.newsletter,
    }


def _address_initial(customer: Customer) -> dict[str, Any]:
    return dict(customer.address)
