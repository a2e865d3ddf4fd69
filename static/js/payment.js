// A payment widget on our page (Centra's "form" action holding a widget): when the shopper pays
// in it, the widget fires centra_checkout_payment_callback; this script sends that to the
// storefront, which asks Centra to continue the payment, and follows the answer: to the next
// step's page, or, for widgets that wait on their own page, back to the widget as
// centra_checkout_payment_response.
(function () {
  "use strict";
  var step = document.querySelector("[data-payment]");
  if (!step || !window.fetch) return;
  var token = step.querySelector("input[name=csrfmiddlewaretoken]");
  var status = step.querySelector("[data-payment-status]");

  document.addEventListener("centra_checkout_payment_callback", function (event) {
    var detail = event.detail || {};
    if (status) status.textContent = step.dataset.waiting || "…";
    fetch(step.dataset.widgetUrl, {
      method: "POST",
      body: JSON.stringify(detail),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token ? token.value : "",
      },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (detail.responseEventRequired && answer.action === "javascript") {
          document.dispatchEvent(
            new CustomEvent("centra_checkout_payment_response", { detail: answer.formFields })
          );
          return;
        }
        if (answer.next) window.location.assign(answer.next);
      })
      .catch(function () { window.location.reload(); });
  });
})();
