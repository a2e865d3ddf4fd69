"""The country/language switcher's endpoint (the form is ``templates/includes/switcher.html``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_POST

from catalog.switching import SwitchRefused, return_path, switch_location


@require_POST
def switch_shopper_location(request: HttpRequest) -> HttpResponseRedirect:
    """Apply the shopper's choice and send them back to the same page in the chosen language;
    on a refusal, back to the page as it was, with the reason."""
    ctx = request.shopper
    wanted = request.POST.get("next")
    try:
        outcome = switch_location(
            request.session,
            ctx,
            country=request.POST.get("country"),
            language=request.POST.get("language"),
        )
    except SwitchRefused as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(return_path(request, wanted))
    return HttpResponseRedirect(return_path(request, wanted, outcome.language))
