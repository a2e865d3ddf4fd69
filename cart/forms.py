"""The cart's forms: every field the shopper posts is checked here before Centra sees it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cart.services import MAX_QUANTITY, MAX_VOUCHER_LENGTH

ITEM_MAX_LENGTH = 64


class AddToCartForm(forms.Form):
    item = forms.CharField(
        max_length=ITEM_MAX_LENGTH, error_messages={"required": _("Please choose a size.")}
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class SizeForm(forms.Form):
    item = forms.CharField(max_length=ITEM_MAX_LENGTH)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class VoucherForm(forms.Form):
    voucher = forms.CharField(
        max_length=MAX_VOUCHER_LENGTH,
        label=_("Voucher code"),
        error_messages={"required": _("Please enter a voucher code.")},
    )


def first_error(form: forms.Form) -> str:
    """The first problem of an invalid form, in words for the shopper."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return str(_("Please check what you entered."))
