// The conversation explorer's filter form sends every field; a blank one ("All assistants") means
// no filter, so leave it out of the request and of the URL htmx pushes: shared links stay short.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.target.closest(".explorer-filters")) return;
    const data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) data.delete(name);
    });
  });
})();
