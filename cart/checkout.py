"""The checkout form, built from what Centra says the store asks for.

Centra's selection answer carries ``paymentFields``: for the billing ``address`` and the
``shippingAddress``, which fields exist (``visible``) and which must be filled (``required``), as
the store's Checkout API plugin is configured (``docs/centra.md#payment``). The form shows those
fields, with a state list for countries that have states, the shipping and payment methods the
selection offers, a newsletter opt-in and, when the store requires it, the terms.

Field names are Centra's own keys (``address.email``, ``shippingAddress.city``), so a field error
Centra answers (dotted keys) lands next to its field, and what the shopper typed is what Centra
gets, field by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from cart.selection import Cart, cart_from
from cart.widgets import QuickSelect
from catalog.context import ShopperContext
from catalog.money import money_field
from centra.readers import obj, objs, text

ADDRESS: Final = "address"
SHIPPING: Final = "shippingAddress"
DIFFERENT_SHIPPING: Final = "differentShippingAddress"
TERMS: Final = "termsAndConditions"
NEWSLETTER: Final = "newsletter"
SHIPPING_METHOD: Final = "shippingMethod"
PAYMENT_METHOD: Final = "paymentMethod"
CREATE_ACCOUNT: Final = "createAccount"
ACCOUNT_PASSWORD: Final = "accountPassword"  # noqa: S105 (a field name)
# Centra takes passwords of 4 to 128 characters (``docs/centra.md#customers``).
PASSWORD_MAX_LENGTH: Final = 128
# What a signed-in customer's ``loggedIn`` may fill in (the location's country and state stay
# the shopper's current choice: the totals on the page are for them).
_PREFILLED: Final = (
    "email",
    "firstName",
    "lastName",
    "address1",
    "address2",
    "zipCode",
    "city",
    "phoneNumber",
)

# Longest text Centra keeps for an address field; longer is not an address.
FIELD_MAX_LENGTH: Final = 255

# Every address field Centra documents, in the order a form asks for them, with its label and
# the browser's autofill token. The shipping address has no VAT, identity or newsletter fields.
_FIELDS: Final = (
    ("email", _("Email"), "email"),
    ("phoneNumber", _("Phone"), "tel"),
    ("firstName", _("First name"), "given-name"),
    ("lastName", _("Last name"), "family-name"),
    ("company", _("Company"), "organization"),
    ("address1", _("Address"), "address-line1"),
    ("address2", _("Address, second line"), "address-line2"),
    ("houseNumber", _("House number"), "off"),
    ("houseExtension", _("House number addition"), "off"),
    ("zipCode", _("Postcode"), "postal-code"),
    ("city", _("City"), "address-level2"),
    ("country", _("Country"), "country"),
    ("state", _("State"), "address-level1"),
    ("vatNumber", _("VAT number"), "off"),
    ("identityNumber", _("Identity number"), "off"),
)
_BILLING_ONLY: Final = frozenset({"vatNumber", "identityNumber"})
_LABELS: Final = {name: label for name, label, _auto in _FIELDS}


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    states: tuple[tuple[str, str], ...]  # (code, name)


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    name: str
    price: str  # a shipping price or a payment method's handling cost, as Centra formats it
    supports_initiate_only: bool = False


@dataclass(frozen=True, slots=True)
class CheckoutPage:
    """Everything the checkout page shows besides the form, from one selection answer."""

    cart: Cart
    countries: tuple[Country, ...]
    shipping_methods: tuple[Method, ...]
    payment_methods: tuple[Method, ...]
    shipping_method: str
    payment_method: str
    country: str | None
    state: str | None
    terms_required: bool
    payment_fields: Mapping[str, Any]
    saved: Mapping[str, Any]  # the address fields Centra keeps for the selection
    customer: Mapping[str, Any] = field(default_factory=dict)  # ``loggedIn``; {}: a guest


def page_from(answer: Mapping[str, Any], ctx: ShopperContext) -> CheckoutPage:
    selection = obj(answer.get("selection"))
    location = obj(answer.get("location"))
    fields = obj(answer.get("paymentFields"))
    money = obj(selection.get("currencyFormat")) or ctx.currency_format
    return CheckoutPage(
        cart=cart_from(answer, ctx),
        countries=tuple(
            Country(
                text(c.get("country")),
                text(c.get("name")),
                tuple((text(s.get("state")), text(s.get("name"))) for s in objs(c.get("states"))),
            )
            for c in objs(answer.get("countries"))
        ),
        shipping_methods=tuple(
            Method(
                text(m.get("shippingMethod")), text(m.get("name")), money_field(m, "price", money)
            )
            for m in objs(answer.get("shippingMethods"))
        ),
        payment_methods=tuple(
            Method(
                text(m.get("paymentMethod")),
                text(m.get("name")),
                money_field(m, "handlingCost", money),
                m.get("supportsInitiateOnly") is True,
            )
            for m in objs(answer.get("paymentMethods"))
        ),
        shipping_method=text(selection.get("shippingMethod")),
        payment_method=text(selection.get("paymentMethod")),
        country=text(location.get("country")) or None,
        state=text(location.get("state")) or None,
        terms_required=obj(fields.get(TERMS)).get("required") is not False,
        payment_fields=fields,
        saved={
            ADDRESS: obj(selection.get("address")),
            SHIPPING: obj(selection.get("shippingAddress")),
        },
        customer=obj(answer.get("loggedIn")),
    )


class CheckoutForm(forms.Form):
    """The checkout form for one :class:`CheckoutPage`. Its fields are Centra's dotted keys."""

    def __init__(self, page: CheckoutPage, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", initial_values(page))
        super().__init__(*args, **kwargs)
        self.page = page
        countries = [(c.code, c.name) for c in page.countries]
        for part in (ADDRESS, SHIPPING):
            for name in visible_fields(page.payment_fields, part):
                self.fields[f"{part}.{name}"] = _field(page, part, name, countries)
        self.fields[DIFFERENT_SHIPPING] = forms.BooleanField(
            required=False, label=_("Ship to a different address")
        )
        self.fields[SHIPPING_METHOD] = forms.ChoiceField(
            choices=[(m.id, m.name) for m in page.shipping_methods],
            widget=forms.RadioSelect,
            label=_("Delivery"),
            error_messages={"required": _("Please choose a delivery method.")},
        )
        self.fields[PAYMENT_METHOD] = forms.ChoiceField(
            choices=[(m.id, m.name) for m in page.payment_methods],
            widget=forms.RadioSelect,
            label=_("Payment"),
            error_messages={"required": _("Please choose how to pay.")},
        )
        self.fields[NEWSLETTER] = forms.BooleanField(
            required=False, label=_("Send me the newsletter")
        )
        if not page.customer:
            # A guest may become a customer with this order (Centra registers them at payment).
            self.fields[CREATE_ACCOUNT] = forms.BooleanField(
                required=False, label=_("Create an account with these details")
            )
            self.fields[ACCOUNT_PASSWORD] = forms.CharField(
                required=False,
                strip=False,
                max_length=PASSWORD_MAX_LENGTH,
                label=_("Choose a password"),
                widget=forms.PasswordInput(
                    attrs={"autocomplete": "new-password"}, render_value=False
                ),
            )
        self.fields[TERMS] = forms.BooleanField(
            required=page.terms_required,
            label=_("I accept the terms and conditions"),
            error_messages={"required": _("Please accept the terms and conditions.")},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get(CREATE_ACCOUNT) and not data.get(ACCOUNT_PASSWORD):
            self.add_error(ACCOUNT_PASSWORD, _("Please choose a password for your account."))
        for part in (ADDRESS, SHIPPING):
            if part == SHIPPING and not data.get(DIFFERENT_SHIPPING):
                continue
            self._check_state(part, data)
            if part == SHIPPING:
                self._require_shipping_fields(data)
        return data

    def _check_state(self, part: str, data: dict[str, Any]) -> None:
        country = self.page_country(data.get(f"{part}.country"))
        key = f"{part}.state"
        if key not in self.fields:
            return
        state = data.get(key) or ""
        codes = {code for code, _name in country.states} if country else set()
        if codes and state not in codes:
            self.add_error(key, _("Please choose a state."))
        elif not codes:
            data[key] = ""

    def _require_shipping_fields(self, data: dict[str, Any]) -> None:
        """A different shipping address needs what a parcel needs, whatever the plugin says."""
        for name in ("firstName", "lastName", "address1", "zipCode", "city", "country"):
            key = f"{SHIPPING}.{name}"
            if key in self.fields and not data.get(key):
                self.add_error(key, _("Please fill this in."))

    def page_country(self, code: str | None) -> Country | None:
        return next((c for c in self.page.countries if c.code == code), None)

    def add_centra_errors(self, errors: Mapping[str, Any]) -> None:
        """Centra's field errors next to their fields; the rest above the form."""
        for key, message in errors.items():
            name = ACCOUNT_PASSWORD if key == f"{ADDRESS}.password" else key
            self.add_error(name if name in self.fields else None, _message(key, message))

    def fields_of(self, part: str) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(f"{part}.")]

    def address_fields(self) -> list[forms.BoundField]:
        return self.fields_of(ADDRESS)

    def shipping_fields(self) -> list[forms.BoundField]:
        return self.fields_of(SHIPPING)


def visible_fields(payment_fields: Mapping[str, Any], part: str) -> list[str]:
    """The fields of ``part`` Centra shows, in the form's order (its newsletter flag apart)."""
    specs = obj(payment_fields.get(part))
    names = [name for name, _label, _auto in _FIELDS if obj(specs.get(name)).get("visible")]
    if part == SHIPPING:
        names = [n for n in names if n not in _BILLING_ONLY]
    # Centra needs these whatever the plugin shows.
    for needed in ("email", "country") if part == ADDRESS else ():
        if needed not in names:
            names.append(needed)
    return names


def payment_fields_from(data: Mapping[str, Any], *, register: bool = False) -> dict[str, Any]:
    """The form's cleaned data as Centra's payment fields: ``address``, ``shippingAddress`` when
    it differs, and the newsletter opt-in (Centra reads it inside the address). With
    ``register`` (``POST payment`` only: the password is never saved as a typed field), the
    account the shopper asked for: ``address.register`` and ``address.password``."""
    fields: dict[str, Any] = {ADDRESS: _part(data, ADDRESS)}
    fields[ADDRESS][NEWSLETTER] = bool(data.get(NEWSLETTER))
    if register and wants_account(data):
        fields[ADDRESS]["register"] = True
        fields[ADDRESS]["password"] = data[ACCOUNT_PASSWORD]
    if data.get(DIFFERENT_SHIPPING):
        fields[SHIPPING] = _part(data, SHIPPING)
    return fields


def wants_account(data: Mapping[str, Any]) -> bool:
    return bool(data.get(CREATE_ACCOUNT) and data.get(ACCOUNT_PASSWORD))


def initial_values(page: CheckoutPage) -> dict[str, Any]:
    """What Centra kept for this selection (an earlier visit), then the signed-in customer's
    details, else the shopper's country: nothing typed is asked for twice."""
    initial: dict[str, Any] = {
        SHIPPING_METHOD: page.shipping_method,
        PAYMENT_METHOD: page.payment_method,
        f"{ADDRESS}.country": page.country or "",
        f"{ADDRESS}.state": page.state or "",
    }
    for part in (ADDRESS, SHIPPING):
        for name, value in obj(page.saved.get(part)).items():
            if isinstance(value, str) and value:
                initial[f"{part}.{name}"] = value
    for name in _PREFILLED:
        value = page.customer.get(name)
        if isinstance(value, str) and value:
            initial.setdefault(f"{ADDRESS}.{name}", value)
    shipping = obj(page.saved.get(SHIPPING))
    if any(isinstance(v, str) and v for k, v in shipping.items() if k not in ("country", "email")):
        initial[DIFFERENT_SHIPPING] = True
    if obj(page.saved.get(ADDRESS)).get(NEWSLETTER) is True:
        initial[NEWSLETTER] = True
    return initial


def _field(
    page: CheckoutPage, part: str, name: str, countries: Sequence[tuple[str, str]]
) -> forms.Field:
    spec = obj(obj(page.payment_fields.get(part)).get(name))
    # A different shipping address is optional as a whole; its own checks are in clean().
    required = part == ADDRESS and (spec.get("required") is True or name in ("email", "country"))
    label = _LABELS.get(name, name)
    autocomplete = next(a for n, _l, a in _FIELDS if n == name)
    prefix = "shipping " if part == SHIPPING else "billing "
    attrs = {"autocomplete": prefix + autocomplete if autocomplete != "off" else "off"}
    if name == "country":
        return forms.ChoiceField(
            choices=[("", _("Choose a country")), *countries],
            required=required,
            label=label,
            widget=QuickSelect(attrs=attrs),
        )
    if name == "state":
        groups = [(c.name, list(c.states)) for c in page.countries if c.states]
        return forms.ChoiceField(
            choices=[("", _("No state")), *groups],
            required=False,
            label=label,
            widget=QuickSelect(attrs=attrs),
        )
    if name == "email":
        return forms.EmailField(
            required=required,
            label=label,
            max_length=FIELD_MAX_LENGTH,
            widget=_input("email", attrs),
        )
    kind = "tel" if name == "phoneNumber" else "text"
    return forms.CharField(
        required=required, label=label, max_length=FIELD_MAX_LENGTH, widget=_input(kind, attrs)
    )


def _input(kind: str, attrs: dict[str, str]) -> forms.Widget:
    widget = forms.EmailInput if kind == "email" else forms.TextInput
    return widget(attrs={**attrs, **({"type": "tel"} if kind == "tel" else {})})


def _part(data: Mapping[str, Any], part: str) -> dict[str, Any]:
    prefix = f"{part}."
    return {
        key[len(prefix) :]: value if value is not None else ""
        for key, value in data.items()
        if key.startswith(prefix)
    }


def _message(key: str, message: Any) -> str:
    """Centra's short error words ("required", "not valid") as a sentence for the shopper."""
    words = str(message)
    field = str(_LABELS.get(key.rpartition(".")[2], ""))
    if words in ("required", "must be set"):
        return str(_("Please fill this in.")) if field else str(_("Something required is missing."))
    if key == f"{ADDRESS}.email" and words == "already registered":
        return str(_("An account with this email already exists. Sign in, or pay as a guest."))
    if key == f"{ADDRESS}.password" and words == "not valid":
        return str(_("This password is not accepted: please use 4 to 128 characters."))
    if words in ("not valid", "invalid"):
        return str(_("Please check this."))
    if key == TERMS:
        return str(_("Please accept the terms and conditions."))
    return words
