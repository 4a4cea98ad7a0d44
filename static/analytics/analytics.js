/* Analytics pages: draws each chart from the JSON the page carries (no inline scripts: the desk
   runs under a strict Content-Security-Policy), links chart points to the conversations behind
   them, and keeps the filter bar in step (custom dates, the browser's time zone). */
(function () {
  "use strict";
  const PALETTE = ["#2f5bea", "#7a5af8", "#12805c", "#f79009", "#c0362c", "#0ba5ec", "#ee46bc",
    "#667085", "#84cc16"];
  const stringsElement = document.getElementById("analytics-strings");
  const strings = stringsElement ? JSON.parse(stringsElement.textContent) : {};
  const unit = (key, value) => (strings[key] || "%s").replace("%s", value);
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const decimal = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { maximumFractionDigits: 2 });
  const short = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { maximumFractionDigits: 1 });

  // Chart periods arrive as ISO text ("2026-12-06", "2026-12", "2026-12-06 14:00", already in
  // the chosen time zone); they are written the page's way (the agent's language), e.g.
  // "6. Dez." in German or "12月6日" in Japanese. Other labels (teams, models) pass unchanged.
  const language = document.documentElement.lang || undefined;
  const dayFormat = new Intl.DateTimeFormat(language, { month: "short", day: "numeric" });
  const monthFormat = new Intl.DateTimeFormat(language, { year: "numeric", month: "short" });
  const hourFormat = new Intl.DateTimeFormat(language,
    { month: "short", day: "numeric", hour: "numeric" });
  function periodLabel(label) {
    const text = String(label);
    let m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):00$/.exec(text);
    if (m) return hourFormat.format(new Date(+m[1], m[2] - 1, +m[3], +m[4]));
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (m) return dayFormat.format(new Date(+m[1], m[2] - 1, +m[3]));
    m = /^(\d{4})-(\d{2})$/.exec(text);
    if (m) return monthFormat.format(new Date(+m[1], m[2] - 1, 1));
    return text;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 100) return unit("seconds", short.format(seconds));
    if (seconds < 7200) return unit("minutes", short.format(seconds / 60));
    if (seconds < 172800) return unit("hours", short.format(seconds / 3600));
    return unit("days", short.format(seconds / 86400));
  }

  function formatter(kind) {
    switch (kind) {
      case "pct": return (v) => decimal.format(v) + " %";
      case "seconds": return duration;
      case "ms": return (v) => unit("ms", number.format(Math.round(v)));
      case "money": return (v) => decimal.format(v);
      case "float1": return (v) => decimal.format(v);
      default: return (v) => number.format(v);
    }
  }

  function colour(index, alpha) {
    const hex = PALETTE[index % PALETTE.length];
    if (alpha === undefined) return hex;
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  // Marks the canvas once Chart.js has painted it and the bars have grown to their values, so
  // tests (and people) can tell it drew, and a click lands where the data is.
  const markDrawn = (context) => { context.chart.canvas.dataset.drawn = "true"; };

  function config(spec) {
    const format = formatter(spec.y);
    const horizontal = Boolean(spec.horizontal);
    const valueAxis = horizontal ? "x" : "y";
    const categoryAxis = horizontal ? "y" : "x";
    let type = spec.kind === "line" ? "line" : "bar";
    const datasets = spec.datasets.map((dataset, i) => {
      const base = { label: dataset.label, data: dataset.data };
      if (spec.kind === "line") {
        return Object.assign(base, { borderColor: colour(i), backgroundColor: colour(i, 0.12),
          pointRadius: spec.labels.length > 60 ? 0 : 2, pointHoverRadius: 5, borderWidth: 2,
          tension: 0.25, spanGaps: true, fill: spec.datasets.length === 1 });
      }
      if (spec.kind === "interval") {
        if (i === 0) {
          return Object.assign(base, { backgroundColor: [colour(0, 0.25), colour(1, 0.25)],
            borderColor: [colour(0), colour(1)], borderWidth: 1, borderRadius: 4,
            barPercentage: 0.5, order: 2 });
        }
        return Object.assign(base, { type: "line", showLine: false, pointRadius: 6,
          pointStyle: "rectRot", borderColor: "#1b2030", backgroundColor: "#1b2030", order: 1 });
      }
      return Object.assign(base, { backgroundColor: colour(i, spec.kind === "stacked" ? 0.85 : 0.8),
        borderRadius: 3, maxBarThickness: 42 });
    });
    const stacked = spec.kind === "stacked";
    const scales = {};
    scales[categoryAxis] = { stacked, grid: { display: false },
      ticks: { autoSkip: true, maxRotation: 0, color: "#667085",
        callback(value) { return periodLabel(this.getLabelForValue(value)); } } };
    scales[valueAxis] = { stacked, beginAtZero: true, grid: { color: "#eef0f3" },
      ticks: { callback: (v) => format(v), color: "#667085", maxTicksLimit: 7 } };
    if (spec.y === "pct" && spec.kind !== "interval") scales[valueAxis].suggestedMax = 100;
    // Counts step by whole numbers: a small range must not read "0.5 conversations".
    if (spec.y === "int") scales[valueAxis].ticks.precision = 0;
    return {
      type,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales,
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250, onComplete: markDrawn },
        interaction: { mode: spec.kind === "interval" ? "nearest" : "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1 && spec.kind !== "interval", position: "bottom",
            labels: { boxWidth: 12, color: "#344054" } },
          tooltip: {
            callbacks: {
              title(items) { return items.length ? periodLabel(items[0].label) : ""; },
              label(context) {
                const raw = context.raw;
                const value = Array.isArray(raw) ? `${format(raw[0])} – ${format(raw[1])}`
                  : format(raw);
                return `${context.dataset.label}: ${value}`;
              },
              footer() { return spec.links ? strings.openList || "" : ""; },
            },
          },
        },
        onClick(event, elements, chart) {
          if (!spec.links || !elements.length) return;
          const link = spec.links[elements[0].index];
          if (link) window.location.assign(link);
        },
        onHover(event, elements) {
          event.native.target.style.cursor = spec.links && elements.length ? "pointer" : "default";
        },
      },
    };
  }

  function drawCharts() {
    if (typeof window.Chart === "undefined") return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      canvas.dataset.points = String(spec.labels.length);
      new window.Chart(canvas, config(spec));
    });
  }

  // -- the filter bar -------------------------------------------------------------------------
  function filters() {
    const form = document.querySelector("[data-analytics-filters]");
    if (!form) return;
    const range = form.querySelector("select[name=range]");
    const sync = () => { form.dataset.range = range ? range.value : ""; };
    sync();
    form.querySelectorAll("select").forEach((select) => {
      select.addEventListener("change", () => {
        sync();
        if (select === range && range.value === "custom") return;
        form.requestSubmit();
      });
    });
    // First visit without a zone in the address: use the browser's, if we know it.
    const params = new URLSearchParams(window.location.search);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const tz = form.querySelector("select[name=tz]");
    if (!params.has("tz") && zone && tz && tz.value !== zone &&
        Array.from(tz.options).some((option) => option.value === zone)) {
      tz.value = zone;
      form.requestSubmit();
    }
  }

  // -- the time-zone picker: a filter box narrows the grouped list as one types ---------------
  const normalise = (text) => text.toLowerCase().replace(/[_/]+/g, " ").trim();

  function zoneFilter() {
    const input = document.querySelector("[data-tz-filter]");
    const select = document.querySelector("select[name=tz]");
    if (!input || !select) return;
    const apply = () => {
      const words = normalise(input.value).split(/\s+/).filter(Boolean);
      select.querySelectorAll("option").forEach((option) => {
        const text = normalise(`${option.value} ${option.textContent} ${option.parentElement.label || ""}`);
        option.hidden = !words.every((word) => text.includes(word));
      });
      select.querySelectorAll("optgroup").forEach((group) => {
        group.hidden = !Array.from(group.children).some((option) => !option.hidden);
      });
    };
    input.addEventListener("input", apply);
    // Enter picks the first zone left in the list (instead of submitting the form as it was).
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = Array.from(select.options).find((option) => !option.hidden);
      if (!first) return;
      select.value = first.value;
      select.form.requestSubmit();
    });
  }

  // -- the definitions panel opens when its link (or an address ending in #definitions) is used
  function definitions() {
    const panel = document.getElementById("definitions");
    if (!panel) return;
    const open = () => { if (window.location.hash === "#definitions") panel.open = true; };
    open();
    window.addEventListener("hashchange", open);
    document.querySelectorAll('a[href="#definitions"]').forEach((link) => {
      link.addEventListener("click", () => { panel.open = true; });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    filters();
    zoneFilter();
    definitions();
    drawCharts();
  });
})();
