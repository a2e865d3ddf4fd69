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
