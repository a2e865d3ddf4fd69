// Progressive enhancement for every page; each page works without it.
// A <select data-autosubmit> sends its form as soon as another option is chosen (the listing's
// sort), so its form's button, marked data-autosubmit-fallback, is only for browsers without
// this script.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-autosubmit-fallback]").forEach(function (button) {
      button.hidden = true;
    });
    select.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
  });
})();

// A page a shared cache may keep (<body data-shopper-state>) is the same for every shopper: it
// holds no cart count, name, messages or CSRF token. Ask for them once (the endpoint is never
// cached) and fill them in. Forms posted before this answers, or without this script, still
// work: their endpoints accept a post the browser proves same-origin (storefront/same_origin.py).
(function () {
  "use strict";
  var url = document.body && document.body.getAttribute("data-shopper-state");
  if (!url || !window.fetch) return;

  function showAccount(name) {
    var link = document.querySelector("[data-account-link]");
    var menu = document.querySelector("template[data-account-menu]");
    if (name === null || !link || !menu) return;
    var copy = menu.content.cloneNode(true);
    var summary = copy.querySelector("[data-account-name]");
    if (summary && name) summary.textContent = name;
    link.replaceWith(copy);
  }

  function showCount(count, label) {
    document.querySelectorAll("[data-cart-count]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.setAttribute("aria-label", label);
    });
  }

  function showMessages(messages) {
    var region = document.querySelector("[data-messages]");
    if (!region || !messages.length) return;
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.className = "message message-" + message.level;
      item.textContent = message.text;
      region.appendChild(item);
    });
    region.hidden = false;
  }

  function fillTokens(token) {
    document.querySelectorAll("input[data-csrf-token]").forEach(function (input) {
      input.value = token;
    });
  }

  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error("shopper state: " + response.status);
      return response.json();
    })
    .then(function (state) {
      showAccount(state.name);  // first: the menu's sign-out form needs its token too
      showCount(state.count, state.count_label);
      showMessages(state.messages || []);
      fillTokens(state.csrf_token);
      // Done (the browser tests wait for this mark).
      document.documentElement.setAttribute("data-shopper-state-ready", "");
    })
    .catch(function () {
      // The page stays as it came: every form still works (see above).
    });
})();
