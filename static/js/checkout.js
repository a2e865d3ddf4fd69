// The checkout, enhanced: what the shopper types is kept in Centra as they go (so a returning
// shopper, or Centra's cart recovery, finds it filled in), and changing the country, state or
// delivery presses "Update" to show the new totals. Without this script the form works alike:
// "Update" and "Pay" are ordinary buttons.
(function () {
  "use strict";
  var form = document.querySelector("form[data-checkout]");
  if (!form || !window.fetch || !window.FormData) return;

  var timer = null;
  function save() {
    var data = new FormData(form);
    data.delete("action");
    fetch(form.dataset.fieldsUrl, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).catch(function () { /* kept on the next change, or when paying */ });
  }

  var updates = /(\.country|\.state|^shippingMethod|^differentShippingAddress)$/;
  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (updates.test(name)) {
      var button = form.querySelector("[data-checkout-update]");
      if (button && form.requestSubmit) {
        form.requestSubmit(button);
        return;
      }
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 600);
  });

  // Only one payment per click: a second submit while the first is on its way is dropped.
  var paying = false;
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value !== "pay") return;
    if (paying) {
      event.preventDefault();
      return;
    }
    paying = true;
  });
})();
