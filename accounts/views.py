"""Signing in and out, registering, the password reset and the newsletter form.

Each view reads the form, checks the rate limit, calls one service and answers. The Django
session key is rotated whenever the login changes (``cycle_key`` on sign-in, ``flush`` on
sign-out), so a session id seen before cannot ride along. Every form carries a CSRF token; every
answer is private (``never_cache``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.answers import allowed, next_path, page, too_many, unavailable, url
from accounts.forms import NewsletterForm, RegisterForm, ResetForm, ResetRequestForm, SignInForm
from accounts.services import AccountRefused
from centra.errors import CentraError
from storefront.return_paths import return_path
from storefront.same_origin import same_origin_post
from storefront.session import CustomerLogin
from storefront.shopper import ShopRequest

SIGN_IN = "accounts/sign_in.html"
REGISTER = "accounts/register.html"
RESET_REQUEST = "accounts/reset_request.html"
RESET = "accounts/reset.html"


@require_http_methods(["GET", "POST"])
@never_cache
def sign_in(request: ShopRequest) -> HttpResponse:
    after = next_path(request, url(request, "account-home"))
    title = _("Sign in")
    if request.method == "GET":
        if CustomerLogin(request.browser).signed_in:
            return HttpResponseRedirect(after)
        return page(request, SIGN_IN, title, {"form": SignInForm(), "next": after})
    form = SignInForm(request.POST)
    context = {"form": form, "next": after}
    if not form.is_valid():
        return page(request, SIGN_IN, title, context, status=400)
    email = form.cleaned_data["email"]
    if not allowed(request, "sign-in", email):
        return too_many(request, SIGN_IN, title, context)
    try:
        customer = services.sign_in(
            request.browser, request.shopper, email, form.cleaned_data["password"]
        )
    except AccountRefused as refused:
        form.add_error(None, refused.message)
        return page(request, SIGN_IN, title, context, status=400)
    except CentraError:
        return unavailable(request)
    request.session.cycle_key()
    name = customer.first_name or customer.email
    messages.success(request, _("Welcome back, %(name)s.") % {"name": name})
    return HttpResponseRedirect(after)


@require_http_methods(["GET", "POST"])
@never_cache
def register(request: ShopRequest) -> HttpResponse:
    after = next_path(request, url(request, "account-home"))
    title = _("Create an account")
    if request.method == "GET":
        return page(request, REGISTER, title, {"form": RegisterForm(), "next": after})
    form = RegisterForm(request.POST)
    context = {"form": form, "next": after}
    if not form.is_valid():
        return page(request, REGISTER, title, context, status=400)
    if not allowed(request, "register", form.cleaned_data["email"]):
        return too_many(request, REGISTER, title, context)
    try:
        services.register(request.browser, request.shopper, form.centra_fields())
    except AccountRefused as refused:
        form.add_centra_errors(refused.fields)
        if not refused.fields:
            form.add_error(None, refused.message)
        return page(request, REGISTER, title, context, status=400)
    except CentraError:
        return unavailable(request)
    request.session.cycle_key()
    messages.success(request, _("Welcome! Your account is ready."))
    return HttpResponseRedirect(after)


@same_origin_post(lambda request: _("Sign out?"))
@require_POST
@never_cache
def sign_out(request: ShopRequest) -> HttpResponse:
    services.sign_out(request.browser)
    # A new session: nothing of the signed-in one (key, token, payments) carries over.
    request.session.flush()
    messages.info(request, _("You are signed out."))
    return HttpResponseRedirect(request.shopper.url("/"))


@require_http_methods(["GET", "POST"])
@never_cache
def reset_request(request: ShopRequest) -> HttpResponse:
    """The "forgot your password" form: the same answer whether or not the email has an
    account."""
    title = _("Reset your password")
    if request.method == "GET":
        return page(request, RESET_REQUEST, title, {"form": ResetRequestForm()})
    form = ResetRequestForm(request.POST)
    context: dict[str, object] = {"form": form}
    if not form.is_valid():
        return page(request, RESET_REQUEST, title, context, status=400)
    email = form.cleaned_data["email"]
    if not allowed(request, "password-reset", email):
        return too_many(request, RESET_REQUEST, title, context)
    link_uri = url(request, "account-reset").lstrip("/")
    try:
        services.request_password_reset(request.browser, request.shopper, email, link_uri)
    except CentraError:
        return unavailable(request)
    context["sent"] = True
    return page(request, RESET_REQUEST, title, context)


@require_http_methods(["GET", "POST"])
@never_cache
def reset(request: ShopRequest) -> HttpResponse:
    """The page Centra's email links to (``?id=...&i=...``): a new password, then signed in."""
    title = _("Choose a new password")
    if request.method == "GET":
        form = ResetForm(initial={"id": request.GET.get("id", ""), "i": request.GET.get("i", "")})
        return page(request, RESET, title, {"form": form})
    form = ResetForm(request.POST)
    context: dict[str, object] = {"form": form}
    if not form.is_valid():
        return page(request, RESET, title, context, status=400)
    if not allowed(request, "password-reset", None):
        return too_many(request, RESET, title, context)
    data = form.cleaned_data
    try:
        services.reset_password(
            request.browser, request.shopper, data["id"], data["i"], data["newPassword"]
        )
    except AccountRefused as refused:
        form.add_centra_errors(refused.fields)
        if not refused.fields:
            form.add_error(None, refused.message)
        context["expired"] = not refused.fields
        return page(request, RESET, title, context, status=400)
    except CentraError:
        return unavailable(request)
    request.session.cycle_key()
    messages.success(request, _("Your password is changed and you are signed in."))
    return HttpResponseRedirect(url(request, "account-home"))


@same_origin_post(lambda request: _("Sign up for our newsletter?"))
@require_POST
@never_cache
def newsletter(request: ShopRequest) -> HttpResponse:
    back = return_path(request, request.POST.get("next"))
    form = NewsletterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a valid email address."))
        return HttpResponseRedirect(back)
    email = form.cleaned_data["email"]
    if not allowed(request, "newsletter", email):
        messages.error(request, _("Too many attempts. Please wait a few minutes and try again."))
        return HttpResponseRedirect(back)
    try:
        services.subscribe_newsletter(
            request.browser, request.shopper, email, form.cleaned_data["email_field"]
        )
    except AccountRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(back)
    except CentraError:
        messages.error(request, _("We could not sign you up just now. Please try again later."))
        return HttpResponseRedirect(back)
    messages.success(request, _("Thank you! You are signed up for the newsletter."))
    return HttpResponseRedirect(back)
