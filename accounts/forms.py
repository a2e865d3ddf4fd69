"""The account forms. Field names are Centra's own keys (``firstName``, ``newEmail``,
``newPassword``), so a field error Centra answers lands next to its field. Password inputs never
render a value back: a refused form comes back with its password fields empty."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.reference import get_reference

# Longest text Centra keeps for a customer field; longer is not a name or an address.
FIELD_MAX_LENGTH = 255
# Centra takes passwords of 4 to 128 characters; anything far beyond is not a password.
PASSWORD_MAX_LENGTH = 128
# The consent registering asks for, sent as Centra's ``consents`` entry.
PRIVACY_CONSENT = "privacy-policy"


def _password(label: Any, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}, render_value=False),
    )


def _text(label: Any, autocomplete: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=FIELD_MAX_LENGTH,
        required=required,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


def _email(label: Any = None) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class CentraErrorsMixin(forms.Form):
    def add_centra_errors(self, errors: Mapping[str, str]) -> None:
        """Centra's field errors next to their fields; the rest above the form."""
        for key, message in errors.items():
            self.add_error(key if key in self.fields else None, message)


class SignInForm(CentraErrorsMixin):
    email = _email()
    password = _password(_("Password"), "current-password")


class RegisterForm(CentraErrorsMixin):
    email = _email()
    password = _password(_("Password"), "new-password")
    firstName = _text(_("First name"), "given-name", required=True)
    lastName = _text(_("Last name"), "family-name", required=True)
    newsletter = forms.BooleanField(required=False, label=_("Send me the newsletter"))
    privacy = forms.BooleanField(
        label=_("I have read the privacy policy"),
        error_messages={"required": _("Please confirm you have read the privacy policy.")},
    )

    def centra_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "email": data["email"],
            "password": data["password"],
            "firstName": data["firstName"],
            "lastName": data["lastName"],
            "newsletter": bool(data.get("newsletter")),
            "consents": [{"key": PRIVACY_CONSENT, "consented": True}],
        }


class ProfileForm(CentraErrorsMixin):
    firstName = _text(_("First name"), "given-name", required=True)
    lastName = _text(_("Last name"), "family-name")
    phoneNumber = _text(_("Phone"), "tel")
    newsletter = forms.BooleanField(required=False, label=_("Send me the newsletter"))


class AddressForm(CentraErrorsMixin):
    firstName = _text(_("First name"), "given-name", required=True)
    lastName = _text(_("Last name"), "family-name", required=True)
    address1 = _text(_("Address"), "address-line1", required=True)
    address2 = _text(_("Address, second line"), "address-line2")
    zipCode = _text(_("Postcode"), "postal-code", required=True)
    city = _text(_("City"), "address-level2", required=True)
    country = forms.ChoiceField(label=_("Country"))
    state = _text(_("State"), "address-level1")
    phoneNumber = _text(_("Phone"), "tel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = [(c.code, c.name) for c in get_reference().shippable_countries]
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("Choose a country")), *countries]


class EmailForm(CentraErrorsMixin):
    newEmail = _email(_("New email"))


class PasswordForm(CentraErrorsMixin):
    password = _password(_("Current password"), "current-password")
    newPassword = _password(_("New password"), "new-password")


class ResetRequestForm(CentraErrorsMixin):
    email = _email()


class ResetForm(CentraErrorsMixin):
    # Centra's link parameters: the reset's id and its secret hash, carried through the form.
    id = forms.CharField(max_length=128, widget=forms.HiddenInput)
    i = forms.CharField(max_length=256, widget=forms.HiddenInput)
    newPassword = _password(_("New password"), "new-password")


class NewsletterForm(CentraErrorsMixin):
    email = _email()
    # Centra's honeypot: hidden from people, so only a bot fills it; passed on as it came.
    email_field = forms.CharField(required=False, max_length=254)
