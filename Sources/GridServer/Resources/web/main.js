// The command-centre page: the map and what is drawn on it (live staff positions, facilities
// and organisations, names of places), the region picker, search, and one click handler that
// gives each click to what the user aimed at. Cases, the planner, the dashboard and people
// live in their own modules.
import { t, word, time, apply } from "/web/i18n.js";
import { languageSwitch } from "/web/dom.js";
import { map, token, authHeaders, $, el, table, named, names, popup, status } from "/web/app.js";
import { homes } from "/web/people.js";
import { planner } from "/web/planner.js";
import { cases } from "/web/cases.js";
import { dashboard } from "/web/dashboard.js";

apply();
// The header wraps on narrow windows: the map and panels start below it, whatever its height.
new ResizeObserver(() => { document.documentElement.style.setProperty("--header", document.querySelector("header").offsetHeight + "px"); map.resize(); })
  .observe(document.querySelector("header"));
languageSwitch();
$("signin").textContent = token ? t("signin.out") : t("signin.in");
$("signin").addEventListener("click", () => {
  if (token) localStorage.removeItem("civicgridToken");
  else { const x = prompt(t("signin.prompt")); if (x) localStorage.setItem("civicgridToken", x.trim()); }
  location.reload();
});

// Names on the map follow the page's language where they are words of ours (grid numbers).
map.on("load", () => {
  if (map.getLayer("grids-label")) map.setLayoutProperty("grids-label", "text-field",
    ["coalesce", ["get", "name"], ["concat", t("grid.prefix"), ["to-string", ["to-number", ["slice", ["get", "code"], 12]]], t("grid.suffix")]]);
});

// Live positions: the latest fix of each device, then every new one from the server's
// event stream; a device is offline 10 minutes after its last fix.
const positions = new Map();
window.civicgridPositions = positions;
const offlineAfter = 600 * 1000;
function drawPositions() {
  const now = Date.now();
  const features = [...positions.values()].map(f => ({ ...f, properties: { ...f.properties, online: now - Date.parse(f.properties.time) <= offlineAfter } }));
  map.getSource("positions")?.setData({ type: "FeatureCollection", features });
}
map.on("load", () => {
  map.addSource("positions", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "positions", type: "circle", source: "positions", paint: {
    "circle-radius": 7, "circle-stroke-width": 2, "circle-stroke-color": "#fff",
    "circle-color": ["case", ["get", "online"], "#1d4ed8", "#9ca3af"] } });
  if (!token) return;  // positions are for signed-in viewers and admins
  const stream = new EventSource("/api/v1/live/stream?access_token=" + encodeURIComponent(token));
  stream.onerror = () => { if (stream.readyState === EventSource.CLOSED) stream.close(); };
  stream.addEventListener("snapshot", e => {
    positions.clear();
    for (const f of JSON.parse(e.data).features) positions.set(f.id, f);
    drawPositions();
    window.civicgridLive = true;  // the stream is subscribed (page checks wait for this)
  });
  stream.addEventListener("position", e => { const f = JSON.parse(e.data); positions.set(f.id, f); drawPositions(); });
  setInterval(drawPositions, 30000);
});

function positionPopup(feature) {
  const p = feature.properties;
  const who = p.member_name || p.member || p.device;
  const box = el("div", {}, el("strong", { textContent: t("staff.title", { name: who }) }));
  box.append(table([[t("field.grid"), p.grid ? names.grid(p.grid) : undefined], [t("field.community"), p.community ? names.region(p.community) : undefined],
                    [t("field.phone"), p.phone], [t("field.device"), el("span", { className: "code", textContent: p.device })], [t("field.lastFix"), time(p.time)],
                    [t("field.online"), p.online ? t("yes") : t("no")],
                    [t("field.battery"), p.battery !== undefined ? Math.round(p.battery * 100) + "%" : undefined],
                    [t("field.accuracy"), p.accuracy !== undefined ? p.accuracy + " " + t("unit.m") : undefined]]));
  popup(feature.geometry.coordinates, box);
}

// Facilities and organisations near the view (zoom 16+, signed in): the OGC collections
// by bounding box, re-read when the view moves.
const basics = window.civicgridBasics = {
  async load() {
    if (!token || map.getZoom() < 16) { for (const id of ["facilities", "organisations"]) map.getSource(id)?.setData({ type: "FeatureCollection", features: [] }); return; }
    const b = map.getBounds(), bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(6)).join(",");
    for (const id of ["facilities", "organisations"]) {
      const r = await fetch("/collections/" + id + "/items?limit=2000&bbox=" + bbox, { headers: authHeaders });
      if (r.ok) { const doc = await r.json(); map.getSource(id).setData(doc); window["civicgrid_" + id] = doc.features.length; }
    }
  },
  start() {
    for (const id of ["facilities", "organisations"]) map.addSource(id, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "facilities", type: "circle", source: "facilities", minzoom: 16, paint: { "circle-radius": 4, "circle-color": "#fff", "circle-stroke-width": 2,
      "circle-stroke-color": ["match", ["get", "status"], "damaged", "#dc2626", "lost", "#111827", "#0f766e"] } });
    map.addLayer({ id: "organisations", type: "circle", source: "organisations", minzoom: 16, paint: { "circle-radius": 5, "circle-color": "#7c3aed", "circle-stroke-width": 1, "circle-stroke-color": "#fff" } });
    map.on("moveend", () => this.load());
    this.load();
  },
  popup(f, lngLat) {
    const p = f.properties;
    const box = f.layer.id === "facilities"
      ? el("div", {}, el("strong", { textContent: t("facility.title", { category: names.category(p.category) }) }),
           table([[t("field.code"), f.id], [t("field.status"), word("facility", p.status)], [t("field.department"), p.department ? names.department(p.department) : undefined],
                  [t("field.grid"), p.grid ? names.grid(p.grid) : undefined]]))
      : el("div", {}, el("strong", { textContent: p.name }), table([[t("field.kind"), word("organisation", p.kind)]]));
    popup(lngLat, box);
  },
};
if (token) map.on("load", () => basics.start());

// Search: one box for regions, grids, addresses, organisations, facilities, cases and (for the
// roles that may) people; a hit flies there, a building or person opens the building's units.
/// A hit's second line in the page's words: a region's level, a grid's households, a
/// building's floors, an organisation's kind, a case's or facility's state, a person's address.
const subtitle = h => {
  const n = parseInt(h.subtitle, 10);
  switch (h.kind) {
    case "region": return word("level", h.subtitle);
    case "grid": return t("search.households", { n });
    case "building": return h.subtitle ? t("search.floors", { n }) : "";
    case "organisation": return word("organisation", h.subtitle);
    case "case": return word("status", h.subtitle);
    case "facility": return word("facility", h.subtitle);
    default: return h.subtitle || "";
  }
};
const search = window.civicgridSearch = {
  timer: null,
  async run(q) {
    const list = $("searchHits");
    if (!q.trim()) { list.replaceChildren(); return; }
    const r = await fetch("/api/v1/search?" + new URLSearchParams({ q, limit: "6" }), { headers: authHeaders });
    const hits = r.ok ? await r.json() : [];
    window.civicgridSearchHits = hits;
    list.replaceChildren(...hits.map(h => {
      const li = el("li", { tabIndex: 0, role: "option" }, el("b", { textContent: word("kind", h.kind) + " " }), h.title, el("small", { textContent: " " + subtitle(h) }));
      li.addEventListener("click", () => this.open(h));
      li.addEventListener("keydown", e => { if (e.key === "Enter") this.open(h); });
      return li;
    }));
  },
  open(h) {
    $("searchHits").replaceChildren();
    if (h.kind === "region") { if ([...$("region").options].some(o => o.value === h.id)) { $("region").value = h.id; $("region").dispatchEvent(new Event("change")); } return; }
    if (h.lon === undefined) return;
    map.flyTo({ center: [h.lon, h.lat], zoom: h.kind === "grid" ? 16 : 18 });
    const box = el("div", {}, el("strong", { textContent: h.title }));
    if (h.subtitle) box.append(el("div", { textContent: subtitle(h) }));
    const building = h.kind === "building" ? Number(h.id) : h.building;
    if (building) box.append(homes.button(building));
    popup([h.lon, h.lat], box, "460px");
  },
};
if (token) {
  $("searchBox").style.display = "";
  $("search").addEventListener("input", e => { clearTimeout(search.timer); search.timer = setTimeout(() => search.run(e.target.value), 200); });
}

// Region picker: districts, streets and communities by name, each flown to by its box.
{
  const select = $("region");
  const regions = Object.values(names.regions);
  for (const level of ["district", "street", "community"]) {
    const group = el("optgroup", { label: word("level", level) });
    for (const r of regions.filter(r => r.level === level)) group.append(new Option(r.name, r.code));
    if (group.children.length) select.append(group);
  }
  for (const r of regions.filter(r => r.level === "community")) $("pCommunity").append(new Option(r.name, r.code));
  select.addEventListener("change", () => { const r = names.regions[select.value]; if (r?.bbox) map.fitBounds(r.bbox, { padding: 30 }); });
}

for (const layer of ["grids-fill", "buildings", "positions", "facilities", "organisations"]) {
  map.on("mouseenter", layer, () => map.getCanvas().style.cursor = "pointer");
  map.on("mouseleave", layer, () => map.getCanvas().style.cursor = "");
}

// One click, one answer: what the user aimed at, in this order — placing a hotline case, a
// planner's building, a building in 3D (it stands in front of what lies under it), a case, a
// staff member, a facility or organisation, a region the dashboard drills into, else the
// grid and building under the pointer.
const near = (e, layers, r = 3) => {
  const present = layers.filter(l => map.getLayer(l));
  return present.length ? map.queryRenderedFeatures([[e.point.x - r, e.point.y - r], [e.point.x + r, e.point.y + r]], { layers: present })[0] : undefined;
};
map.on("click", e => {
  if (cases.picking) { cases.place(e.lngLat); return; }
  if (planner.plan) { const hit = near(e, ["draft-buildings"], 4); if (hit) { planner.toggle(hit.id); return; } }
  const tower = homes.on ? near(e, ["buildings-3d"], 0) : undefined;
  if (tower) { buildingPopup(e, undefined, tower); return; }
  const hit = near(e, ["cases"]);
  if (hit) { $("cases").style.display = "block"; cases.open(hit.properties.number); return; }
  const staff = near(e, ["positions"], 0);
  if (staff) { positionPopup(staff); return; }
  const basic = near(e, ["facilities", "organisations"], 0);
  if (basic) { basics.popup(basic, e.lngLat); return; }
  const region = dashboard.hit(e);
  if (region) { dashboard.drill(region.properties.code); return; }
  const grid = near(e, ["grids-fill"], 0), building = near(e, ["buildings", "buildings-3d"], 0);
  if (grid || building) buildingPopup(e, grid, building);
});

// Admins sign a member's phone in: a one-time link to /m/ and its QR code (the server draws it),
// for the member to scan; it works once, for the minutes chosen.
const links = window.civicgridLinks = {
  async start(me) {
    if (me.role !== "admin") return;
    $("linksToggle").hidden = false;
    $("linksToggle").addEventListener("click", async () => {
      const p = $("links"), open = p.style.display !== "block";
      p.style.display = open ? "block" : "none";
      if (!open || $("lStaff").options.length) return;
      const staff = await fetch("/api/v1/staff", { headers: authHeaders }).then(r => r.ok ? r.json() : []);
      $("lStaff").replaceChildren(...staff.map(s => new Option(s.name + (s.grids.length ? " · " + s.grids.map(g => names.grid(g)).join("、") : ""), s.name)));
    });
    for (const m of [15, 60, 480]) $("lMinutes").append(new Option(t("link.validFor", { minutes: m }), String(m)));
    $("lMake").addEventListener("click", () => this.make());
  },
  async make() {
    const r = await fetch("/api/v1/login-links", { method: "POST", headers: { ...authHeaders, "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("lStaff").value, minutes: Number($("lMinutes").value), base: location.origin }) });
    if (!r.ok) { status(t("error.answer", { title: r.status, detail: "" })); return; }
    const link = await r.json();
    $("lQR").innerHTML = link.qr_svg;  // drawn by this server from the link alone
    $("lQR").querySelector("svg")?.setAttribute("role", "img");
    $("lQR").querySelector("svg")?.setAttribute("aria-label", t("link.qr", { name: link.name }));
    Object.assign($("lURL"), { href: link.url, textContent: link.url });
    $("lExpires").textContent = t("link.expires", { name: link.name, time: time(link.expires_at) });
    $("lResult").hidden = false;
    window.civicgridLink = link;
  },
};

function buildingPopup(e, grid, building) {
  const box = el("div");
  if (grid) {
    const p = grid.properties;
    box.append(el("strong", {}, named(names.grid(p.code, p.name), p.code)),
      table([[t("field.community"), names.region(p.community)], [t("field.households"), p.households], [t("field.buildings"), p.buildings],
             [t("field.band"), word("band", p.band)], [t("field.area"), p.area_m2 !== undefined ? (p.area_m2 / 10000).toFixed(2) + " " + t("unit.ha") : undefined]]));
    map.setFilter("grids-selected", ["==", ["get", "code"], p.code]);
  }
  if (building) {
    const p = building.properties;
    box.append(el("strong", { textContent: t("building.title") }),
      table([[t("field.households"), p.households], [t("field.floors"), p.floors], [t("field.height"), p.height ? p.height + " " + t("unit.m") : undefined],
             [t("field.grid"), p.grid ? names.grid(p.grid) : undefined]]));
    if (token && building.id !== undefined) box.append(homes.button(building.id));
  }
  popup(e.lngLat, box, "460px");
}

map.on("idle", () => { window.civicgridIdle = true; status(""); });
map.on("error", e => status("⚠ " + (e.error && e.error.message || t("map.error"))));

// Who is signed in: their name and role; the cases, the dashboard and the household records
// open for the roles that work in them.
if (token) map.on("load", async () => {
  const r = await fetch("/api/v1/me", { headers: authHeaders });
  if (!r.ok) { $("who").textContent = t("signin.refused"); return; }
  const me = await r.json();
  $("who").textContent = me.name + "（" + word("role", me.role) + "）";
  homes.me = me;
  if (!["admin", "dispatcher", "viewer", "department", "member"].includes(me.role)) return;
  dashboard.start(me);
  links.start(me);
  await cases.start(me);
});
