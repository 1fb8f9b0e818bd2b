// The assessment dashboard: indicator cards, the ranking with grades and changes, the cases'
// charts (trend, category, source, hour, status) and the basic data's (households per grid
// against the 350–500 band, grids by band, buildings by floors); the map colours the level's
// regions by the chosen indicator, with its legend. Clicking a row or a region drills down.
import { t, word, number, locale } from "/web/i18n.js";
import { map, token, authHeaders, $, el, names } from "/web/app.js";
import { statusColours } from "/web/cases.js";

const indicators = ["closing_rate", "on_time_closing_rate", "on_time_handling_rate", "rework_rate", "return_rate", "extension_rate", "timely_verification_rate",
  "timely_filing_rate", "timely_dispatch_rate", "timely_check_rate", "accurate_filing_rate", "accurate_dispatch_rate", "satisfaction_rate", "reopen_rate",
  "public_report_share", "valid_report_rate", "missed_report_rate"];
const lowerIsBetter = new Set(["rework_rate", "return_rate", "extension_rate", "missed_report_rate", "public_report_share", "reopen_rate"]);
const tileLayerOf = { district: "districts", street: "streets", community: "communities", grid: "grids" };
const below = { district: "street", street: "community", community: "grid", grid: "grid" };
const ramp = x => "rgb(" + Math.round(230 - 188 * x) + "," + Math.round(57 + 100 * x) + "," + Math.round(70 + 73 * x) + ")";

export const dashboard = window.civicgridDashboard = {
  region: null, trail: [], charts: {}, ranking: null, regions: names.regions,
  async get(url) {
    const r = await fetch(url, { headers: authHeaders });
    const doc = await r.json().catch(() => ({}));
    $("dMessage").textContent = r.ok ? "" : t("error.answer", { title: doc.title || r.status, detail: doc.detail || "" });
    return r.ok ? doc : null;
  },
  query(extra = {}) {
    const q = new URLSearchParams({ period: $("dPeriod").value, level: $("dLevel").value, ...extra });
    if (this.region && !q.has("region") && !["department", "person"].includes(q.get("level"))) q.set("region", this.region);
    return q;
  },
  async start(me) {
    this.me = me;
    const now = new Date(), last = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    $("dPeriod").value = last.getFullYear() + "-" + String(last.getMonth() + 1).padStart(2, "0");
    for (const l of ["district", "street", "community", "grid", "department", "person"]) $("dLevel").append(new Option(word("level", l), l));
    for (const k of indicators) $("dIndicator").append(new Option(word("indicator", k), k));
    this.region = me.region || (Object.values(names.regions).find(r => r.level === "district") || {}).code || null;
    $("dLevel").value = below[(names.regions[this.region] || {}).level] || "street";
    $("dashboardToggle").style.display = "";
    $("dashboardToggle").addEventListener("click", () => {
      const box = $("dashboard");
      box.style.display = box.style.display === "block" ? "none" : "block";
      if (box.style.display === "block") this.load(); else this.clearMap();
    });
    for (const id of ["dPeriod", "dLevel"]) $(id).addEventListener("change", () => this.load());
    $("dIndicator").addEventListener("change", () => this.colour());
    $("dUp").addEventListener("click", () => { const up = this.trail.pop(); if (up) { this.region = up.region; $("dLevel").value = up.level; this.load(); } });
  },
  drill(code) {
    const level = $("dLevel").value;
    if (!tileLayerOf[level] || level === "grid") return;
    this.trail.push({ region: this.region, level });
    this.region = code;
    $("dLevel").value = below[level];
    this.load();
  },
  async load() {
    window.civicgridDashboardReady = false;
    const level = $("dLevel").value, period = $("dPeriod").value;
    $("dUp").disabled = !this.trail.length;
    const where = names.regions[this.region];
    $("dWhere").textContent = where ? t("dash.where", { name: where.name, level: word("levels", level) }) : word("levels", level);
    $("dCSV").href = "/api/v1/rankings?" + this.query({ f: "csv", excel: "true" }) + (token ? "&access_token=" + encodeURIComponent(token) : "");
    $("dReport").href = "/web/report.html?" + new URLSearchParams({ period, level, ...(this.region ? { region: this.region } : {}) });
    const reads = ["admin", "dispatcher", "viewer"].includes(this.me.role);
    const [ranking, own, stats, basic] = await Promise.all([
      this.get("/api/v1/rankings?" + this.query()),
      where ? this.get("/api/v1/indicators?" + new URLSearchParams({ period, level: where.level, region: where.code })) : null,
      where && where.level !== "grid" && reads ? this.get("/api/v1/statistics/cases?" + new URLSearchParams({ period, region: where.code })) : null,
      where && reads ? this.get("/api/v1/statistics/basic?" + new URLSearchParams({ region: where.code })) : null]);
    if (where && where.level !== "grid" && reads) this.coverage(where.code);
    this.ranking = ranking;
    this.cards(own && own.units.find(u => u.unit === this.region));
    this.table(ranking);
    if (stats) this.caseCharts(stats);
    if (basic) this.basicCharts(basic);
    this.colour();
    window.civicgridDashboardReady = true;
  },
  cards(u) {
    $("dCards").replaceChildren(...["closing_rate", "on_time_closing_rate", "on_time_handling_rate", "rework_rate"].map(k => {
      const v = u && u.indicators[k], ch = u && u.change && u.change.previous && u.change.previous[k];
      const d = el("div", {}, word("indicator", k), el("b", { textContent: v === undefined || v === null ? "–" : number(v, 2) + "%" }));
      if (ch !== undefined && ch !== null) {
        const good = lowerIsBetter.has(k) ? ch < 0 : ch > 0;
        d.append(el("span", { className: ch === 0 ? "" : good ? "up" : "down", textContent: t("dash.vsPrevious", { change: (ch > 0 ? "+" : "") + number(ch, 2) }) }));
      }
      return d;
    }));
  },
  unitName(u) {
    const level = $("dLevel").value;
    if (level === "grid") return names.grid(u.unit, u.name);
    if (level === "department") return names.department(u.unit);
    return u.name || names.region(u.unit);
  },
  table(r) {
    const body = document.querySelector("#dRanking tbody");
    body.replaceChildren();
    if (!r) return;
    $("dRankNote").textContent = t("dash.rankNote", { period: r.period, ranked: r.units.filter(u => u.rank).length, minimum: r.config.minimum_sample });
    const f = v => v === undefined || v === null ? "–" : number(v, 2);
    const d = v => v === undefined || v === null ? "–" : (v > 0 ? "+" : "") + number(v, 2);
    for (const u of r.units) {
      const tr = body.insertRow();
      tr.dataset.unit = u.unit;
      tr.tabIndex = 0;
      if (!u.rank) tr.className = "unranked";
      for (const [text, cls] of [[u.rank || "–"], [this.unitName(u)], [u.volume], [f(u.score)], [u.grade || "–", "grade-" + u.grade], [f(u.indicators.closing_rate)],
                                 [f(u.indicators.on_time_closing_rate)], [f(u.indicators.rework_rate)], [d(u.change && u.change.previous && u.change.previous.score)],
                                 [d(u.change && u.change.year && u.change.year.score)]]) {
        const td = tr.insertCell(); td.textContent = text; if (cls) td.className = cls;
      }
      tr.addEventListener("click", () => this.drill(u.unit));
      tr.addEventListener("keydown", e => { if (e.key === "Enter") this.drill(u.unit); });
    }
  },
  chart(id, config) {
    if (this.charts[id]) this.charts[id].destroy();
    // Charts side by side get a fixed height, so every label has its room.
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: !$(id).parentElement.matches(".charts > div"), locale,
      plugins: { legend: { display: config.type === "pie" || config.type === "doughnut", position: "right", labels: { boxWidth: 10, font: { size: 10 } } } } }, config.options || {});
    this.charts[id] = new Chart($(id), config);
  },
  caseCharts(s) {
    const palette = ["#1d3557", "#457b9d", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6a4c93", "#8d99ae", "#b5838d"];
    const top = (slices, n) => { const head = slices.slice(0, n), rest = slices.slice(n).reduce((a, x) => a + x.count, 0); return rest ? [...head, { key: "other", name: t("dash.other"), count: rest }] : head; };
    const cat = top(s.by_category, 8);
    const legend = { display: true, position: "right", labels: { boxWidth: 8, font: { size: 9 } } };
    this.chart("chTrend", { type: "line", data: { labels: s.per_day.map(d => d.day.slice(5)), datasets: [
      { label: t("chart.reported"), data: s.per_day.map(d => d.reports), borderColor: "#1d3557", pointRadius: 0 },
      { label: t("chart.dueToClose"), data: s.per_day.map(d => d.due_to_close), borderColor: "#e9c46a", pointRadius: 0 },
      { label: t("chart.closedOfThose"), data: s.per_day.map(d => d.closed), borderColor: "#2a9d8f", pointRadius: 0 }] },
      options: { plugins: { legend: { display: true, labels: { boxWidth: 10 } }, title: { display: true, text: t("chart.perDay") } } } });
    this.chart("chCategory", { type: "pie", data: { labels: cat.map(c => c.name || names.category(c.key)), datasets: [{ data: cat.map(c => c.count), backgroundColor: palette }] },
      options: { plugins: { title: { display: true, text: t("chart.byCategory") }, legend } } });
    this.chart("chSource", { type: "doughnut", data: { labels: s.by_source.map(c => word("source", c.key)), datasets: [{ data: s.by_source.map(c => c.count), backgroundColor: palette }] },
      options: { plugins: { title: { display: true, text: t("chart.bySource") }, legend } } });
    this.chart("chHour", { type: "bar", data: { labels: s.by_hour.map((_, h) => h), datasets: [{ label: t("chart.reports"), data: s.by_hour, backgroundColor: "#457b9d" }] },
      options: { plugins: { title: { display: true, text: t("chart.byHour") } }, scales: { x: { ticks: { autoSkip: false, font: { size: 8 } } } } } });
    this.chart("chStatus", { type: "bar", data: { labels: s.by_status.map(c => word("status", c.key)), datasets: [{ label: t("chart.cases"), data: s.by_status.map(c => c.count), backgroundColor: s.by_status.map(c => statusColours[c.key] || "#8d99ae") }] },
      options: { indexAxis: "y", plugins: { title: { display: true, text: t("chart.statusNow") } }, scales: { y: { ticks: { autoSkip: false, font: { size: 9 } } } } } });
  },
  basicCharts(b) {
    const [lo, hi] = b.band;
    this.chart("chHouseholds", { type: "bar", data: { labels: b.households_per_grid.map(x => x.from + "–" + (x.from + 24)),
      datasets: [{ label: t("chart.grids"), data: b.households_per_grid.map(x => x.count), backgroundColor: b.households_per_grid.map(x => x.from >= lo && x.from + 24 <= hi ? "#2a9d8f" : x.from < lo ? "#f4a261" : "#e63946") }] },
      options: { plugins: { title: { display: true, text: t("chart.householdsPerGrid", { lo, hi }) } } } });
    this.chart("chBands", { type: "bar", data: { labels: b.grids_by_band.map(c => c.name), datasets: [
      { label: word("band", "under"), data: b.grids_by_band.map(c => c.below), backgroundColor: "#f4a261" },
      { label: word("band", "ok"), data: b.grids_by_band.map(c => c.within), backgroundColor: "#2a9d8f" },
      { label: word("band", "over"), data: b.grids_by_band.map(c => c.above), backgroundColor: "#e63946" }] },
      options: { scales: { x: { stacked: true, ticks: { autoSkip: false, font: { size: 8 } } }, y: { stacked: true } }, plugins: { legend: { display: true, labels: { boxWidth: 8 } }, title: { display: true, text: t("chart.gridsByBand") } } } });
    this.chart("chFloors", { type: "bar", data: { labels: b.buildings_by_floors.map(x => x.from || "?"), datasets: [{ label: t("chart.buildings"), data: b.buildings_by_floors.map(x => x.count), backgroundColor: "#8d99ae" }] },
      options: { plugins: { title: { display: true, text: t("chart.buildingsByFloors") } } } });
  },
  /// The coloured region under a click, where a click drills down (not at the grid level).
  hit(e) {
    if (!map.getLayer("assess-fill") || $("dLevel").value === "grid") return null;
    return map.queryRenderedFeatures(e.point, { layers: ["assess-fill"] }).find(f => this.ranking && this.ranking.units.some(u => u.unit === f.properties.code)) || null;
  },
  // Patrol coverage per grid (GPS) on the period's last day, or today while it runs.
  async coverage(region) {
    const p = $("dPeriod").value, today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
    const m = p.match(/^(\d{4})-(\d{2})$/), day = p.includes("..") ? p.split("..")[1] : /^\d{4}-\d{2}-\d{2}$/.test(p) ? p
      : m ? new Date(Date.UTC(+m[1], +m[2], 0)).toISOString().slice(0, 10) : today;
    const c = await this.get("/api/v1/coverage?" + new URLSearchParams({ date: day < today ? day : today, region }));
    if (!c) return;
    const bins = Array(10).fill(0);
    for (const g of c.grids) bins[Math.min(9, Math.floor(g.share * 10))]++;
    this.chart("chCoverage", { type: "bar", data: { labels: bins.map((_, i) => i * 10 + "–" + (i * 10 + 10) + "%"), datasets: [{ label: t("chart.grids"), data: bins, backgroundColor: "#1d4ed8" }] },
      options: { plugins: { title: { display: true, text: t("chart.coverage", { date: c.date, radius: c.radius_m }) } } } });
  },
  clearMap() {
    if (map.getLayer("assess-fill")) map.removeLayer("assess-fill");
    $("choropleth").hidden = true;
    $("legend").hidden = false;
  },
  colour() {
    this.clearMap();
    const level = $("dLevel").value, layer = tileLayerOf[level];
    if (!layer || !this.ranking || $("dashboard").style.display !== "block") return;
    const k = $("dIndicator").value, values = this.ranking.units.map(u => [u.unit, u.indicators[k]]).filter(([, v]) => v !== undefined && v !== null);
    if (!values.length) return;
    const lo = Math.min(...values.map(v => v[1])), hi = Math.max(...values.map(v => v[1]));
    // Green is good: the ramp turns over for indicators where lower is better.
    const at = v => { const x = hi > lo ? (v - lo) / (hi - lo) : 1; return lowerIsBetter.has(k) ? 1 - x : x; };
    const match = ["match", ["get", "code"]];
    for (const [code, v] of values) match.push(code, ramp(at(v)));
    match.push("rgba(0,0,0,0)");
    map.addLayer({ id: "assess-fill", type: "fill", source: "civicgrid", "source-layer": layer, filter: ["in", ["get", "code"], ["literal", values.map(v => v[0])]],
                   paint: { "fill-color": match, "fill-opacity": 0.6 } }, "grids-line");
    // The legend says what the colours are now (the grid legend does not).
    const best = lowerIsBetter.has(k) ? lo : hi, worst = lowerIsBetter.has(k) ? hi : lo;
    $("choropleth").replaceChildren(el("strong", { textContent: word("indicator", k) + "（" + word("levels", level) + "）" }),
      el("div", { className: "ramp", style: "background:linear-gradient(to right," + ramp(0) + "," + ramp(0.5) + "," + ramp(1) + ")" }),
      el("div", { className: "ends" }, el("span", { textContent: t("dash.worst", { value: number(worst, 2) + "%" }) }), el("span", { textContent: t("dash.best", { value: number(best, 2) + "%" }) })));
    $("choropleth").hidden = false;
    $("legend").hidden = true;
  },
};
