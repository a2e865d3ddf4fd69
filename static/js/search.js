// Suggestions under the search box while a shopper types: a few products and categories from
// the box's data-suggest endpoint (the shop's own catalog; no Centra call). Without this
// script the box is a plain search form; links in the list are ordinary links.
(function () {
  "use strict";

  var DELAY_MS = 150;
  var MIN_LENGTH = 2;

  function setUp(input) {
    var list = document.createElement("ul");
    list.className = "search-suggestions";
    list.id = input.id + "-suggestions";
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    input.insertAdjacentElement("afterend", list);
    var timer = null;
    var asked = "";

    function render(data) {
      list.textContent = "";
      var entries = (data.categories || []).concat(data.products || []);
      entries.forEach(function (entry) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entry.url;
        link.textContent = entry.name;
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = entries.length === 0;
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        render({});
        return;
      }
      asked = text;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : {};
        })
        .then(function (data) {
          if (asked === text) render(data);
        })
        .catch(function () {
          render({});
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") render({});
    });
  }

  if (!window.fetch) return;
  document.querySelectorAll("input[data-suggest]").forEach(setUp);
})();
