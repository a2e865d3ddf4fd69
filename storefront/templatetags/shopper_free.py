"""``{% form_token %}``: a form's CSRF token field, in every form a shop page renders.

One rule for all of them: on a private page it is ``{% csrf_token %}`` (this request's masked
token); on a shopper-free page (:func:`storefront.http_cache.is_shopper_free`), which a shared
cache may hand to anyone, it is the same field with an empty value, marked ``data-csrf-token``
for ``static/js/site.js`` to fill from ``/shopper/state``. A form posted before that (or
without the script) is still safe and still works: see :mod:`storefront.same_origin`.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from storefront.http_cache import is_shopper_free

register = template.Library()

PLACEHOLDER = SafeString(
    '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-token>'
)


@register.simple_tag(takes_context=True)
def form_token(context: template.Context) -> SafeString:
    request = getattr(context, "request", None)
    if request is not None and is_shopper_free(request):
        return PLACEHOLDER
    # What {% csrf_token %} renders: the context's lazy token (from Django's csrf context
    # processor, which every RequestContext has); nothing when rendered without a request.
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (Django's "no request" marker)
        return SafeString("")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
