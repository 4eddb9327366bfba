// Charts of reports and the dashboard: Frappe's chart shape
// ({data: {labels, datasets: [{name, values}]}, type: bar|line|pie|donut|percentage|funnel})
// drawn with ECharts. Each .chart carries its data; a table of the same data sits beside it.
(function () {
  "use strict";
  if (!window.echarts) return;
  const COLOURS = ["#1d4ed8", "#15803d", "#b45309", "#b91c1c", "#6d28d9", "#0e7490", "#a16207", "#4b5563", "#be185d", "#4338ca"];

  function pairs(labels, values) {
    return labels.map((label, i) => ({ name: String(label), value: values[i] }));
  }

  function option(spec, narrow) {
    const data = spec.data || {};
    const labels = data.labels || [];
    const datasets = data.datasets || [];
    const type = String(spec.type || "bar").toLowerCase();
    const base = { color: spec.colors || COLOURS, tooltip: { trigger: type === "bar" || type === "line" ? "axis" : "item", confine: true }, animation: false };
    if (type === "pie" || type === "donut") {
      return Object.assign(base, {
        legend: { type: "scroll", bottom: 0 },
        // On a phone the slices' labels do not fit beside them: the legend names them.
        series: [{ type: "pie", radius: type === "donut" ? ["42%", "68%"] : "68%", center: ["50%", "45%"], data: pairs(labels, (datasets[0] || {}).values || []), label: { show: !narrow, formatter: "{b}: {d}%" } }],
      });
    }
    if (type === "funnel") {
      // ECharts' common build (the one served, for the page budget) has no funnel series: a
      // funnel is stacked bars, a transparent half-gap before each, so each stage is centred.
      const values = (datasets[0] || {}).values || [];
      const stages = labels.map((label, i) => ({ name: String(label), value: Number(values[i]) || 0, idx: i }))
        .sort((a, b) => b.value - a.value);
      const widest = Math.max(0, ...stages.map((s) => s.value)) || 1;
      return Object.assign(base, {
        tooltip: { trigger: "item", confine: true, formatter: "{b}: {c}" },
        grid: { left: 8, right: 8, top: 8, bottom: 8 },
        xAxis: { type: "value", max: widest, show: false },
        yAxis: { type: "category", inverse: true, show: false, data: stages.map((s) => s.name) },
        series: [
          { type: "bar", stack: "funnel", silent: true, tooltip: { show: false }, itemStyle: { color: "transparent" }, data: stages.map((s) => (widest - s.value) / 2) },
          { type: "bar", stack: "funnel", barCategoryGap: "6%", label: { show: true, position: "inside", formatter: "{b}: {c}" },
            // A stage nobody reached has no bar to write on: its label in plain grey.
            data: stages.map((s, k) => ({ value: s.value, name: s.name, idx: s.idx, itemStyle: { color: base.color[k % base.color.length] },
              label: s.value ? undefined : { color: "#4b5563", textBorderWidth: 0 } })) },
        ],
      });
    }
    if (type === "percentage") {
      const values = (datasets[0] || {}).values || [];
      const total = values.reduce((a, b) => a + (Number(b) || 0), 0) || 1;
      return Object.assign(base, {
        tooltip: { trigger: "item", formatter: (p) => p.seriesName + ": " + ((p.value / total) * 100).toFixed(1) + "%" },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 8, right: 8, top: 8, bottom: 40, containLabel: true },
        xAxis: { type: "value", max: total, show: false },
        yAxis: { type: "category", data: [""], show: false },
        series: labels.map((label, i) => ({ name: String(label), type: "bar", stack: "all", barWidth: 36, data: [values[i]] })),
      });
    }
    return Object.assign(base, {
      legend: datasets.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: datasets.length > 1 ? 40 : 8, containLabel: true },
      xAxis: { type: "category", data: labels.map(String), axisLabel: { interval: 0, rotate: labels.length > 5 ? 30 : 0, hideOverlap: true } },
      yAxis: { type: "value" },
      series: datasets.map((d) => ({ name: d.name || "", type: type === "line" ? "line" : "bar", data: d.values || [], smooth: type === "line", barMaxWidth: 48 })),
    });
  }

  function draw(box) {
    const holder = box.closest(".chart");
    let spec;
    try {
      spec = JSON.parse(holder.dataset.chart || "null");
    } catch (e) {
      return;
    }
    if (!spec || window.echarts.getInstanceByDom(box)) return;
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option(spec, box.clientWidth < 480));
    // A dashboard chart's bar or slice opens the list filtered to it.
    if (Array.isArray(spec.hrefs)) {
      chart.on("click", (params) => {
        // A funnel's stages are sorted: each keeps the index of its label.
        const index = params.data && params.data.idx !== undefined ? params.data.idx : params.dataIndex;
        const href = spec.hrefs[index];
        if (href) window.location.href = href;
      });
    }
    drawn.add(chart);
  }

  // One resize handler for every chart on the page; a chart whose box a re-render removed
  // (the report builder's preview) is disposed instead of kept alive by its listener.
  const drawn = new Set();
  window.addEventListener("resize", () => drawn.forEach((chart) => chart.resize()));
  function forgetRemoved() {
    drawn.forEach((chart) => {
      if (!chart.getDom().isConnected) {
        chart.dispose();
        drawn.delete(chart);
      }
    });
  }

  function init() {
    document.querySelectorAll(".chart .chart-box").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // A preview re-rendered by HTMX (the report builder) brings new charts.
  document.addEventListener("htmx:afterSettle", () => {
    forgetRemoved();
    init();
  });
})();
