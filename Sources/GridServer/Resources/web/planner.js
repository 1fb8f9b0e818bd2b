// The planner view: a community's draft coloured by band, its buildings as points coloured
// by grid (selected ones ringed); edits go to the API with the plan's ETag, and the answer
// (the plan at its new version, with its report) redraws everything. Grids are named.
import { t, word, number } from "/web/i18n.js";
import { map, token, authHeaders, query, $, el, names } from "/web/app.js";

export const planner = window.civicgridPlanner = {
  plan: null, etag: null, selected: new Set(), version: 0,
  async call(method, url, body) {
    const headers = { ...authHeaders, "Content-Type": "application/json" };
    if (this.etag && method === "POST" && url.startsWith("/api/v1/plans/")) headers["If-Match"] = this.etag;
    const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const doc = await r.json();
    $("pMessage").textContent = r.ok ? "" : t("error.answer", { title: doc.title || r.status, detail: doc.detail || "" });
    return r.ok ? doc : null;
  },
  async open(id) { const doc = await this.call("GET", "/api/v1/plans/" + id); if (doc) this.show(doc); },
  show(doc) {
    this.plan = doc; this.etag = doc.etag; this.version = doc.version; this.selected.clear();
    const colours = ["#e76f51", "#2a9d8f", "#264653", "#e9c46a", "#8ab17d", "#6a4c93", "#f4a261", "#1d4ed8", "#b5179e", "#577590"];
    const codes = doc.grids.features.map(f => f.properties.code);
    for (const f of doc.buildings.features) f.properties.colour = colours[Math.max(0, codes.indexOf(f.properties.grid)) % colours.length];
    const add = (id, data, layer) => { if (map.getSource(id)) map.getSource(id).setData(data); else { map.addSource(id, { type: "geojson", data }); map.addLayer(layer); } };
    add("draft-grids", doc.grids, { id: "draft-grids", type: "fill", source: "draft-grids", paint: {
      "fill-color": ["match", ["get", "band"], "ok", "#2a9d8f", "under", "#f4a261", "#e63946"], "fill-opacity": 0.35, "fill-outline-color": "#000" } });
    add("draft-buildings", doc.buildings, { id: "draft-buildings", type: "circle", source: "draft-buildings", paint: {
      "circle-radius": 5, "circle-color": ["get", "colour"], "circle-stroke-color": "#000",
      "circle-stroke-width": ["case", ["boolean", ["feature-state", "selected"], false], 3, 0.5] } });
    map.removeFeatureState({ source: "draft-buildings" });
    $("pPlan").textContent = t("plan.title", { id: doc.id, status: word("planStatus", doc.status), version: doc.version });
    const gridName = code => names.grid(code, doc.grids.features.find(f => f.properties.code === code)?.properties.name);
    for (const id of ["pTarget", "pMergeA", "pMergeB", "pSplit"]) {
      const sel = $(id); sel.replaceChildren();
      for (const c of codes) sel.append(new Option(gridName(c), c));
    }
    const r = doc.validation.report;
    $("pReport").textContent = t("plan.report", { grids: r.grids, inBand: r.inBand, households: r.households, gap: number(r.gapM2, 1), overlap: number(r.overlapM2, 1) })
      + (doc.validation.publishable ? t("plan.publishable") : t("plan.faults"));
    $("faults").replaceChildren(...doc.validation.faults.map(f => el("li", { title: f.detail },
      word("fault", f.kind) + (f.grid ? "：" + gridName(f.grid) : ""), el("small", { textContent: " " + t("faultValue." + f.kind, { n: number(f.value) }) }))));
    this.showSelected();
    if (!this.shown) { this.shown = true; const b = doc.grids.features.flatMap(f => f.geometry.coordinates[0]);
      map.fitBounds([[Math.min(...b.map(c => c[0])), Math.min(...b.map(c => c[1]))], [Math.max(...b.map(c => c[0])), Math.max(...b.map(c => c[1]))]], { padding: 40 }); }
  },
  showSelected() {
    const addressOf = id => this.plan?.buildings.features.find(f => f.id === id)?.properties.address;
    $("pSelected").textContent = this.selected.size ? [...this.selected].map(id => addressOf(id) || t("plan.building", { id })).join("、") : t("plan.none");
  },
  toggle(id) {
    if (this.selected.has(id)) this.selected.delete(id); else this.selected.add(id);
    map.setFeatureState({ source: "draft-buildings", id }, { selected: this.selected.has(id) });
    this.showSelected();
  },
  async edit(body) { const doc = await this.call("POST", "/api/v1/plans/" + this.plan.id + "/edits", body); if (doc) this.show(doc); },
};
if (token) {
  fetch("/api/v1/plans/0", { headers: authHeaders }).then(r => r.status === 401 ? null : r).then(r => {
    if (!r) { $("who").textContent = t("signin.refused"); return; }
    $("plannerToggle").style.display = "";
  });
}
$("plannerToggle").addEventListener("click", () => { const p = $("planner"); p.style.display = p.style.display === "block" ? "none" : "block"; });
$("pOpen").addEventListener("click", async () => {
  const code = $("pCommunity").value;
  const plans = await planner.call("GET", "/api/v1/communities/" + code + "/plans");
  if (!plans) return;
  const draft = plans.find(p => p.status === "draft");
  const doc = draft ? await planner.call("GET", "/api/v1/plans/" + draft.id)
                    : await planner.call("POST", "/api/v1/communities/" + code + "/plans", { from: plans.some(p => p.status === "published") ? "published" : "partition" });
  if (doc) planner.show(doc);
});
$("pMove").addEventListener("click", () => planner.edit({ op: "move", buildings: [...planner.selected], to: $("pTarget").value }));
$("pMerge").addEventListener("click", () => planner.edit({ op: "merge", grids: [$("pMergeA").value, $("pMergeB").value] }));
$("pSplitGo").addEventListener("click", () => planner.edit({ op: "split", grid: $("pSplit").value }));
$("pPublish").addEventListener("click", async () => {
  const reason = $("pReason").value.trim();
  const doc = await planner.call("POST", "/api/v1/plans/" + planner.plan.id + "/publish", reason ? { override: reason } : undefined);
  if (doc) planner.show(doc);
});
if (query.get("plan") && token) {
  $("planner").style.display = "block";
  map.on("load", () => planner.open(query.get("plan")));
}
