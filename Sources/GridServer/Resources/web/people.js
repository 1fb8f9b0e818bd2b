// 3D and the people in a building: buildings extruded by their stored height, else floors ×
// 3 m, from the same buildings tiles; a building's popup opens its floors and households by
// unit, a unit its members — masked, or whole (recorded) for an admin, or grid staff giving a
// reason.
import { t, word } from "/web/i18n.js";
import { map, authHeaders, $, el } from "/web/app.js";

export const homes = window.civicgridHomes = {
  on: false,
  me: null,
  toggle() {
    this.on = !this.on;
    $("toggle3d").textContent = this.on ? t("view.2d") : t("view.3d");
    if (this.on) {
      map.addLayer({ id: "buildings-3d", type: "fill-extrusion", source: "civicgrid", "source-layer": "buildings", minzoom: 14, paint: {
        "fill-extrusion-height": ["coalesce", ["get", "height"], ["*", ["coalesce", ["get", "floors"], 1], 3]],
        "fill-extrusion-color": ["interpolate", ["linear"], ["coalesce", ["get", "floors"], 1], 1, "#cbd5e1", 6, "#94a3b8", 18, "#64748b", 33, "#334155"],
        "fill-extrusion-opacity": 0.9 } });
      if (map.getLayer("buildings")) map.setLayoutProperty("buildings", "visibility", "none");
      map.easeTo({ pitch: 60, duration: 0 });
    } else {
      map.removeLayer("buildings-3d");
      if (map.getLayer("buildings")) map.setLayoutProperty("buildings", "visibility", "visible");
      map.easeTo({ pitch: 0, duration: 0 });
    }
  },
  button(id) {
    const div = el("div");
    const b = el("button", { textContent: t("home.open") });
    b.dataset.open = "households";
    b.addEventListener("click", () => this.building(id, div));
    div.append(b);
    return div;
  },
  async building(id, div) {
    const r = await fetch("/api/v1/buildings/" + id + "/households", { headers: authHeaders });
    if (!r.ok) { div.textContent = t("home.forbidden", { status: r.status }); return; }
    const doc = await r.json();
    div.replaceChildren(el("strong", { textContent: t("home.summary", { floors: doc.floors || "?", households: doc.households })
      + (doc.height ? " " + t("home.height", { height: doc.height }) : "") }));
    // Floor by floor, the top first (units named block-entrance-room carry their floor).
    const list = el("div", { id: "homeUnits" });
    const floors = [...new Set(doc.units.map(u => u.floor ?? 0))].sort((a, b) => b - a);
    for (const f of floors) {
      const row = el("div", { className: "floor" }, f ? el("b", { textContent: t("home.floor", { n: f }) + " " }) : undefined);
      for (const u of doc.units.filter(u => (u.floor ?? 0) === f)) {
        const b = el("button", { textContent: u.unit + " (" + u.members + ")", title: t("home.members", { n: u.members }) });
        b.dataset.household = u.id;
        b.addEventListener("click", () => this.members(u.id, div, false));
        row.append(b);
      }
      list.append(row);
    }
    if (!doc.units.length) list.textContent = t("home.none");
    div.append(list);
    if (doc.organisations.length) {
      div.append(el("div", { id: "homeOrganisations",
        textContent: doc.organisations.map(o => o.name + "（" + word("organisation", o.kind) + (o.unit ? "，" + o.unit : "") + "）").join(" · ") }));
    }
    div.append(el("div", { id: "homeMembers" }));
    window.civicgridBuildingOpen = doc;
  },
  async members(id, div, whole) {
    const me = this.me || {};
    let url = "/api/v1/households/" + id + "/members";
    if (whole) {
      const q = new URLSearchParams({ unmask: "true" });
      if (me.role === "member") { const why = prompt(t("home.why")); if (!why) return; q.set("reason", why); }
      url += "?" + q;
    }
    const r = await fetch(url, { headers: authHeaders });
    const box = div.querySelector("#homeMembers");
    if (!r.ok) { box.textContent = t("home.membersFailed", { status: r.status }); return; }
    const people = await r.json();
    const tbl = el("table", { id: "homeTable" });
    const head = tbl.createTHead().insertRow();
    for (const k of ["name", "relation", "birthYear", "idNumber", "phone", "tags"]) head.append(el("th", { textContent: t("person." + k) }));
    for (const p of people) {
      const tr = tbl.insertRow();
      for (const v of [p.name, word("relation", p.relation), p.birth_year, p.id_number, p.phone, (p.tags || []).map(x => word("tag", x)).join(" ")]) {
        tr.insertCell().textContent = v === undefined || v === null ? "" : v;
      }
    }
    box.replaceChildren(tbl);
    if (!whole && ["admin", "member"].includes(me.role)) {
      const b = el("button", { id: "homeUnmask", textContent: t("home.unmask") });
      b.addEventListener("click", () => this.members(id, div, true));
      box.append(b);
    }
    window.civicgridMembers = { household: id, whole, people };
  },
};
$("toggle3d").addEventListener("click", () => homes.toggle());
