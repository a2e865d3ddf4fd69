// The mini-cart: sends the product page's buying form in the background and updates the
// header's cart count, so adding to the cart needs no page load. Without this script (or when
// the request fails) the form posts as usual and the page comes back with a message.
(function () {
  "use strict";

  function show(form, text, isError) {
    var status = form.querySelector("[data-cart-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function updateCount(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (node) {
      node.textContent = String(count);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-cart-add")) return;
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok && answer.ok, answer: answer };
        });
      })
      .then(function (result) {
        updateCount(result.answer.count);
        var texts = (result.answer.messages || []).map(function (m) { return m.text; });
        show(form, texts.join(" "), !result.ok);
      })
      .catch(function () {
        // Let the browser post the form itself: the page says what happened.
        form.submit();
      })
      .finally(function () {
        if (button) button.disabled = false;
      });
  });
})();
