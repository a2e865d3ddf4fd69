"""``{% form_token %}``: a form's CSRF token field, in every form a shop page renders; and
``{% shared_part %}``, the header and footer of shopper-free pages, rendered once.

One rule for all of them: on a private page it is ``{% csrf_token %}`` (this request's masked
token); on a shopper-free page (:func:`storefront.http_cache.is_shopper_free`), which a shared
cache may hand to anyone, it is the same field with an empty value, marked ``data-csrf-token``
for ``static/js/site.js`` to fill from ``/shopper/state``. A form posted before that (or
without the script) is still safe and still works: see :mod:`storefront.same_origin`.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from catalog.reference import memoized
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


# Stands for the page's own path while a shared part renders; only letters and underscores,
# so HTML escaping leaves it as it is and it can be replaced in the rendered markup.
HERE_MARK = "__shop_here_path__"


class SharedPartNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        request = getattr(context, "request", None)
        ctx = getattr(request, "shopper", None) if request is not None else None
        if request is None or ctx is None or not is_shopper_free(request):
            return SafeString(self.nodelist.render(context))
        # Everything a header or footer shows besides the path: the page's template (its
        # blocks), the language, the country (the switcher), the URLconf and the script prefix
        # (its links); the catalog's reference version comes with the memo.
        top = context.template.name if context.template is not None else ""
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        prefix = get_script_prefix()
        key = ("shared-part", self.name, top, ctx.language, ctx.country, urlconf, prefix)

        def build() -> str:
            with context.push(here=HERE_MARK):
                return str(self.nodelist.render(context))

        html = memoized(key, build)
        return SafeString(html.replace(HERE_MARK, conditional_escape(request.get_full_path())))


@register.tag
def shared_part(parser: template.base.Parser, token: template.base.Token) -> SharedPartNode:
    """``{% shared_part "header" %}...{% endshared_part %}``: on a shopper-free page, markup
    that is the same on every page of one language and country (the header, the footer),
    rendered once per process and reference data version; ``{{ here }}`` inside it is the
    page's path. It cost more than half of a cached product page's rendering."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("shared_part takes one name")
    nodelist = parser.parse(("endshared_part",))
    parser.delete_first_token()
    return SharedPartNode(bits[1].strip("\"'"), nodelist)
