// The monthly report: one period and level of a region — its indicators with their change,
// the ranking of the units below it, the cases' trend and categories, the worst overdue cases
// — on a page that prints to A4 (`report.html?period=2026-11&level=street&region=320599`).
import { t, word, number, time, apply } from "/web/i18n.js";
import { authHeaders, query, $, el, names } from "/web/session.js";

apply();
$("print").addEventListener("click", () => print());
const period = query.get("period") || "", level = query.get("level") || "street";
const region = names.regions[query.get("region")] || Object.values(names.regions).find(r => r.level === "district");
async function get(url) {
  const r = await fetch(url, { headers: authHeaders });
  const doc = await r.json().catch(() => ({}));
  if (!r.ok) $("message").textContent = t("error.answer", { title: doc.title || r.status, detail: doc.detail || "" });
  return r.ok ? doc : null;
}
const scope = region && !["department", "person"].includes(level) ? { region: region.code } : {};
const [ranking, own, stats, overdue] = await Promise.all([
  get("/api/v1/rankings?" + new URLSearchParams({ period, level, ...scope })),
  region ? get("/api/v1/indicators?" + new URLSearchParams({ period, level: region.level, region: region.code })) : null,
  region ? get("/api/v1/statistics/cases?" + new URLSearchParams({ period, region: region.code })) : null,
  get("/api/v1/cases?" + new URLSearchParams({ overdue: "true", sort: "due", limit: "20", ...(region ? { region: region.code } : {}) }))]);
document.title = t("report.title", { name: region?.name || "", period });
$("title").textContent = t("report.title", { name: region?.name || "", period });
$("subtitle").textContent = t("report.subtitle", { level: word("levels", level), made: time(new Date()) });

const unit = own?.units.find(u => u.unit === region?.code);
$("cards").replaceChildren(...["closing_rate", "on_time_closing_rate", "on_time_handling_rate", "rework_rate", "satisfaction_rate", "reopen_rate", "accurate_dispatch_rate", "timely_dispatch_rate"].map(k => {
  const v = unit?.indicators[k], ch = unit?.change?.previous?.[k];
  return el("div", {}, word("indicator", k), el("b", { textContent: v === undefined || v === null ? "–" : number(v, 2) + "%" }),
    ch === undefined || ch === null ? undefined : el("span", { className: ch > 0 ? "up" : ch < 0 ? "down" : "", textContent: t("dash.vsPrevious", { change: (ch > 0 ? "+" : "") + number(ch, 2) }) }));
}));

const f = v => v === undefined || v === null ? "–" : number(v, 2), d = v => v === undefined || v === null ? "–" : (v > 0 ? "+" : "") + number(v, 2);
const unitName = u => level === "grid" ? names.grid(u.unit, u.name) : level === "department" ? names.department(u.unit) : u.name || names.region(u.unit);
$("ranking").tBodies[0].replaceChildren(...(ranking?.units || []).map(u => {
  const tr = el("tr");
  for (const [text, cls] of [[u.rank || "–"], [unitName(u)], [u.volume], [f(u.score)], [u.grade || "–", "grade-" + u.grade], [f(u.indicators.closing_rate)],
                             [f(u.indicators.on_time_closing_rate)], [f(u.indicators.rework_rate)], [f(u.indicators.satisfaction_rate)],
                             [d(u.change?.previous?.score)], [d(u.change?.year?.score)]]) tr.append(el("td", { textContent: text, className: cls || "" }));
  return tr;
}));

if (stats) {
  const options = title => ({ animation: false, responsive: true, maintainAspectRatio: false, plugins: { title: { display: true, text: title }, legend: { labels: { boxWidth: 8 } } } });
  new Chart($("trend"), { type: "line", data: { labels: stats.per_day.map(x => x.day.slice(5)), datasets: [
    { label: t("chart.reported"), data: stats.per_day.map(x => x.reports), borderColor: "#1d3557", pointRadius: 0 },
    { label: t("chart.closedOfThose"), data: stats.per_day.map(x => x.closed), borderColor: "#2a9d8f", pointRadius: 0 }] }, options: options(t("chart.perDay")) });
  const top = stats.by_category.slice(0, 8);
  new Chart($("categories"), { type: "bar", data: { labels: top.map(c => c.name || names.category(c.key)), datasets: [{ label: t("chart.cases"), data: top.map(c => c.count), backgroundColor: "#457b9d" }] },
    options: { ...options(t("chart.byCategory")), indexAxis: "y", scales: { y: { ticks: { autoSkip: false } } } } });
}

$("overdue").tBodies[0].replaceChildren(...(overdue?.cases || []).map(c => el("tr", {},
  el("td", { textContent: c.number }), el("td", { textContent: names.category(c.category) }),
  el("td", { textContent: [c.community && names.region(c.community), c.grid && names.grid(c.grid)].filter(Boolean).join(" · ") }),
  el("td", { textContent: names.holderCode(c.holder) }),
  el("td", { textContent: time(c.due) }))));
if (!overdue?.cases?.length) $("overdue").tBodies[0].append(el("tr", {}, el("td", { colSpan: 5, textContent: t("report.noOverdue") })));
window.civicgridReportReady = true;
