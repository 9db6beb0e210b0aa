// Draws every chart of a dashboard page with Apache ECharts (static/vendor/echarts-*), from the
// option JSON in each element's data-option attribute; re-draws what htmx swaps in. A data point
// carrying an "href" is a link: clicking it opens the conversations behind the number.
// Tables marked "sortable" sort by a clicked header, by each cell's data-sort value when present.
(function () {
  "use strict";
  const charts = new Set();

  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-option]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      const option = JSON.parse(el.dataset.option);
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      chart.on("click", function (params) {
        const href = params.data && params.data.href;
        if (href) window.location.assign(href);
      });
      charts.add(chart);
    });
  }

  function sweep() {
    charts.forEach(function (chart) {
      if (!document.body.contains(chart.getDom())) { chart.dispose(); charts.delete(chart); }
    });
  }

  function sortBy(th) {
    const table = th.closest("table");
    const index = Array.prototype.indexOf.call(th.parentNode.children, th);
    const body = table.tBodies[0];
    const asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    const key = function (tr) {
      const td = tr.children[index];
      if (!td) return "";
      const raw = td.dataset.sort;
      if (raw !== undefined && raw !== "" && !isNaN(Number(raw))) return Number(raw);
      return td.textContent.trim().toLowerCase();
    };
    const rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      const x = key(a), y = key(b);
      // Numbers before text ("not enough data" sinks to the bottom either way).
      if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
  }

  document.addEventListener("click", function (event) {
    const th = event.target.closest("table.sortable th");
    if (th) sortBy(th);
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { sweep(); draw(event.target); });
  document.addEventListener("toggle", function (event) {
    // A chart inside a closed <details> has no size until opened.
    if (event.target.open) charts.forEach(function (c) { c.resize(); });
  }, true);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
