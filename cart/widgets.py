"""Form widgets the checkout renders often enough to matter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A ``<select>`` whose options are joined in Python. Django renders every ``<option>``
    through a template, and the checkout's country and state lists (two of each, one per
    address, with every US state and Canadian province) made that most of the page's time."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, attrs)
        parts = [format_html('<select name="{}"{}>', name, flatatt(final))]
        for group, options in self._groups():
            if group is None:
                parts.append(_options(options, chosen))
            else:
                parts.append(format_html('<optgroup label="{}">', group))
                parts.append(_options(options, chosen))
                parts.append(mark_safe("</optgroup>"))
        parts.append(mark_safe("</select>"))
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)

    def _groups(self) -> Iterable[tuple[str | None, list[tuple[Any, Any]]]]:
        for value, label in self.choices:
            if isinstance(label, list | tuple):
                yield str(value), list(label)
            else:
                yield None, [(value, label)]


def _options(options: list[tuple[Any, Any]], chosen: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) == chosen else "", label) for value, label in options),
    )
