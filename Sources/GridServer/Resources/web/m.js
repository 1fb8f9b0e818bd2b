// The grid staff's phone page (/m/): signed in by a one-time link, the member's grids on the
// map with today's patrol coverage, their position sent from the browser, reports with
// photos, their queue of verifications and checks, field updates. Everything they send goes
// through an outbox kept on the phone (IndexedDB) with its Idempotency-Key, so it survives
// a dead network and is stored once when the network returns; the page itself is cached by
// a service worker.
import { t, word, time, apply } from "/web/i18n.js";
import { $, el, languageSwitch, photoCounts } from "/web/dom.js";

apply();
languageSwitch();
// The page lives at /m/ (the service worker's scope): from /m, on there before anything runs.
if (location.pathname === "/m") { location.replace("/m/" + location.hash); await new Promise(() => {}); }
photoCounts();

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/web/m-sw.js", { scope: "/m/" }).catch(() => {});

// Signing in: the link's code (in the fragment, never sent to a log) for the account's token and
// a device token for positions, kept in this browser.
const code = new URLSearchParams(location.hash.slice(1)).get("login");
if (code) {
  history.replaceState(null, "", "/m/");
  const r = await fetch("/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }) }).catch(() => null);
  if (r?.ok) {
    const s = await r.json();
    localStorage.setItem("civicgridToken", s.token);
    localStorage.setItem("civicgridDevice", JSON.stringify({ id: s.device, token: s.device_token }));
  } else {
    $("signinNeeded").textContent = t("m.linkRefused");
  }
}
const { token, authHeaders, names } = await import("/web/session.js");
const device = JSON.parse(localStorage.getItem("civicgridDevice") || "null");
const phone = window.civicgridPhone = { sent: [], refused: [], fixes: [], located: 0, queue: [], me: null, errors: [], steps: [] };
window.addEventListener("unhandledrejection", e => phone.errors.push(String(e.reason?.message || e.reason)));

// The outbox: every request the member makes, kept until the server has it.
const db = await new Promise((ok, fail) => {
  const r = indexedDB.open("civicgrid-phone", 1);
  r.onupgradeneeded = () => r.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
  r.onsuccess = () => ok(r.result);
  r.onerror = () => fail(r.error);
});
const store = (mode, work) => new Promise((ok, fail) => {
  const tx = db.transaction("outbox", mode), request = work(tx.objectStore("outbox"));
  tx.oncomplete = () => ok(request?.result);
  tx.onerror = () => fail(tx.error);
});
const outbox = {
  async add(item) {
    item.key = item.key || crypto.randomUUID();
    item.created = Date.now();
    try {
      await store("readwrite", s => s.add(item));
    } catch (e) {
      // Not kept on the phone (its storage refused it): say so, never drop it silently.
      const detail = String(e?.message || e);
      phone.errors.push(item.kind + ": " + detail);
      $("sync").textContent = $("sync").title = t("m.outbox.failed", { detail });
      $("sync").classList.add("waiting");
      throw e;
    }
    await this.show();
    return this.flush();
  },
  all() { return store("readonly", s => s.getAll()); },
  async show() {
    const items = await this.all();
    phone.waiting = items.length;
    $("sync").textContent = items.length ? t("m.outbox.waiting", { n: items.length }) : t("m.outbox.synced");
    $("sync").classList.toggle("waiting", items.length > 0);
    $("sync").title = $("sync").textContent;
    $("outboxList").replaceChildren(...items.map(i => el("li", {}, t("m.outbox.kind." + i.kind) + " · " + time(new Date(i.created)))));
    $("outboxEmpty").hidden = items.length > 0;
  },
  /// Sends what waits, oldest first; stops at the first that cannot reach the server.
  async flush() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const item of await this.all()) {
        let r;
        try { r = await send(item); } catch { break; }  // no network: try again later
        if (r.status >= 500 || r.status === 429) break;
        const doc = await r.json().catch(() => ({}));
        (r.ok ? phone.sent : phone.refused).push({ kind: item.kind, status: r.status, doc });
        await store("readwrite", s => s.delete(item.id));
        answered(item, r.ok, doc);
      }
    } finally {
      this.busy = false;
      await this.show();
    }
  },
};
function send(item) {
  const headers = { ...(item.kind === "positions" ? { Authorization: "Bearer " + device?.token } : authHeaders), ...item.headers };
  let body;
  if (item.parts) {
    body = new FormData();
    for (const [name, value] of Object.entries(item.parts)) body.append(name, new Blob([JSON.stringify(value)], { type: "application/json" }));
    (item.photos || []).forEach((p, i) => body.append("photo", p, "photo" + i + (p.type === "image/png" ? ".png" : ".jpg")));
  } else {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(item.json);
  }
  if (item.kind === "report") headers["Idempotency-Key"] = item.key;
  return fetch(item.url, { method: "POST", headers, body });
}
$("sync").addEventListener("click", () => $("outbox").showModal());
window.addEventListener("online", () => outbox.flush());
setInterval(() => outbox.flush(), 5000);
phone.flush = async () => { queueFixes(); await outbox.flush(); return (await outbox.all()).length; };

if (!token) {
  $("signinNeeded").hidden = false;
  $("signinNeeded").textContent ||= t("m.signinNeeded");
  throw new Error("not signed in");
}
const me = phone.me = await fetch("/api/v1/me", { headers: authHeaders }).then(r => r.ok ? r.json() : null).catch(() => null);
if (!me) { $("signinNeeded").hidden = false; $("signinNeeded").textContent = t("m.signinNeeded"); throw new Error("signed out"); }
$("who").textContent = me.name;
const grids = me.grids || [];

// The map: the member's grids drawn over the district, their position as a dot.
const map = window.map = new maplibregl.Map({ container: "mmap", style: "/styles/command-centre.json", center: [120.7, 31.3], zoom: 13,
  attributionControl: false, localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif" });
const community = names.regions[grids[0]?.slice(0, 12)] || names.regions[me.region];
if (community?.bbox) map.fitBounds([[community.bbox[0], community.bbox[1]], [community.bbox[2], community.bbox[3]]], { padding: 10, animate: false });
map.on("load", () => {
  map.addLayer({ id: "my-grids", type: "line", source: "civicgrid", "source-layer": "grids", filter: ["in", ["get", "code"], ["literal", grids]],
    paint: { "line-color": "#e63946", "line-width": 3 } });
  window.civicgridPhoneMap = true;
});
const here = new maplibregl.Marker({ color: "#1d4ed8", scale: 0.7 });
const pin = new maplibregl.Marker({ color: "#e63946", draggable: true });
pin.on("dragend", () => { where = pin.getLngLat().toArray(); showWhere(); });
let where = null;

// My position: fixes from the browser, batched into the outbox for this phone's device.
function queueFixes() {
  if (!phone.fixes.length || !device) return;
  const fixes = phone.fixes.splice(0);
  outbox.add({ kind: "positions", url: "/api/v1/positions", json: fixes });
}
if (navigator.geolocation && device) {
  navigator.geolocation.watchPosition(p => {
    const c = p.coords, fix = { time: p.timestamp / 1000, lon: c.longitude, lat: c.latitude, accuracy: c.accuracy };
    if (c.speed !== null && !Number.isNaN(c.speed)) fix.speed = c.speed;
    if (c.heading !== null && !Number.isNaN(c.heading)) fix.heading = c.heading;
    phone.fixes.push(fix);
    phone.located += 1;
    phone.last = [fix.lon, fix.lat];
    here.setLngLat(phone.last).addTo(map);
    $("gpsState").textContent = t("m.gps.at", { time: time(new Date(p.timestamp)), metres: Math.round(c.accuracy) });
    if (!where) { where = phone.last; showWhere(); }
  }, e => { $("gpsState").textContent = t("m.gps.off", { reason: t("m.gps.error." + e.code) }); }, { enableHighAccuracy: true, maximumAge: 10000 });
  setInterval(queueFixes, 30000);
} else {
  $("gpsState").textContent = t("m.gps.none");
}

// Tabs.
function tab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const s of document.querySelectorAll("main > section[role=tabpanel]")) s.hidden = s.id !== name;
  if (name === "report") { if (where) pin.setLngLat(where).addTo(map); } else pin.remove();
  if (name === "queue") loadQueue();
  if (name === "grid") loadGrids();
}
for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => tab(b.dataset.tab));

// My grids: today's patrol coverage (the server's figures), what is left to visit.
async function loadGrids() {
  const cover = await fetch("/api/v1/coverage", { headers: authHeaders }).then(r => r.ok ? r.json() : { grids: [] }).catch(() => ({ grids: [] }));
  const byCode = Object.fromEntries(cover.grids.map(g => [g.grid, g]));
  $("gridList").replaceChildren(...grids.map(code => {
    const g = byCode[code], share = g ? Math.round(g.share * 100) : 0;
    return el("li", {}, el("div", { className: "row" }, el("b", { textContent: names.grid(code) }), el("span", { textContent: t("m.grid.coverage", { share }) })),
      el("small", { textContent: g ? t("m.grid.visited", { covered: g.covered, buildings: g.buildings, left: g.buildings - g.covered }) : t("m.grid.noCoverage") }),
      el("div", { className: "bar" }, el("i", { style: "width:" + share + "%" })));
  }));
  if (!grids.length) $("gridList").replaceChildren(el("li", { textContent: t("m.grid.none") }));
}

// Report: words first (the classifier suggests the category), photos from the camera, the place
// from GPS on a pin that can be moved.
for (const u of ["normal", "urgent", "emergency"]) $("rUrgency").append(new Option(word("urgency", u), u));
function fillCategories(filter = "") {
  const list = Object.values(names.categories).filter(c => !filter || c.name.includes(filter) || c.code.startsWith(filter));
  $("rCategory").replaceChildren(...list.map(c => new Option(c.name + "（" + c.code + "）", c.code)));
}
fillCategories();
$("rFind").addEventListener("input", () => fillCategories($("rFind").value.trim()));
let suggestTimer;
$("rDescription").addEventListener("input", () => {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(async () => {
    const text = $("rDescription").value.trim();
    if (!text) return $("rSuggest").replaceChildren();
    const guesses = await fetch("/api/v1/categories/suggest?" + new URLSearchParams({ text })).then(r => r.ok ? r.json() : []).catch(() => []);
    $("rSuggest").replaceChildren(...guesses.map((g, i) => {
      const b = el("button", { type: "button", textContent: g.name + " " + Math.round(g.confidence * 100) + "%" });
      b.addEventListener("click", () => { fillCategories(); $("rCategory").value = g.category; });
      if (i === 0) { fillCategories(); $("rCategory").value = g.category; }
      return b;
    }));
  }, 400);
});
function showWhere() { $("rWhere").textContent = where ? t("m.report.at", { lon: where[0].toFixed(6), lat: where[1].toFixed(6) }) : t("m.report.where"); }
map.on("click", e => { if (!$("report").hidden) { where = e.lngLat.toArray(); pin.setLngLat(where).addTo(map); showWhere(); } });
$("rSend").addEventListener("click", async () => {
  const photos = [...$("rPhotos").files];
  const description = $("rDescription").value.trim();
  if (!description) { $("rAnswer").replaceChildren(el("p", { className: "answer error", textContent: t("m.report.needWords") })); return; }
  if (photos.length > 6) { $("rAnswer").replaceChildren(el("p", { className: "answer error", textContent: t("m.report.tooMany") })); return; }
  const report = { category: $("rCategory").value, description, urgency: $("rUrgency").value, source: "grid_staff" };
  if (where) [report.lon, report.lat] = where;
  $("rAnswer").replaceChildren(el("p", { className: "answer", textContent: t("m.report.queued") }));
  $("rDescription").value = ""; $("rPhotos").value = ""; $("rPhotos").dispatchEvent(new Event("change")); $("rSuggest").replaceChildren();
  await outbox.add({ kind: "report", url: "/api/v1/cases", parts: { report }, photos });
});

// What the server said about an item sent from the outbox.
function answered(item, ok, doc) {
  if (item.kind === "report") {
    const box = $("rAnswer");
    if (!ok) return box.replaceChildren(el("p", { className: "answer error", textContent: t("m.refused", { detail: doc.detail || "" }) }));
    const duplicates = (doc.possible_duplicates || []).map(d => d.number + "（" + t("m.metres", { metres: Math.round(d.metres) }) + "）").join("、");
    box.replaceChildren(el("p", { className: "answer" }, t("m.report.filed", { number: doc.number }),
      duplicates ? el("br") : undefined, duplicates ? t("m.report.duplicates", { list: duplicates }) : undefined));
  } else if (item.kind === "step") {
    $("dAnswer").replaceChildren(el("p", { className: ok ? "answer" : "answer error", textContent: ok ? t("m.step.done", { status: word("status", doc.status) }) : t("m.refused", { detail: doc.detail || "" }) }));
    if (ok) loadQueue();
  } else if (item.kind === "field") {
    $("fAnswer").replaceChildren(el("p", { className: ok ? "answer" : "answer error", textContent: ok ? t("m.field.done") : t("m.refused", { detail: doc.detail || "" }) }));
  }
}

// My queue: what waits on me to verify or check, soonest deadline first.
function countdown(due) {
  if (!due) return "";
  const left = Date.parse(due) - Date.now(), h = Math.floor(Math.abs(left) / 3600e3), m = Math.floor(Math.abs(left) % 3600e3 / 60e3);
  return left >= 0 ? t("m.queue.left", { h, m }) : t("m.queue.late", { h, m });
}
async function loadQueue() {
  const r = await fetch("/api/v1/cases?queue=mine&sort=due&limit=200", { headers: authHeaders }).catch(() => null);
  if (!r?.ok) return;
  phone.queue = (await r.json()).cases;
  $("queueList").replaceChildren(...phone.queue.map(c => {
    const li = el("li", { tabIndex: 0 }, el("div", { className: "row" }, el("b", { textContent: names.category(c.category) }),
      el("span", { className: Date.parse(c.due) < Date.now() ? "overdue" : "", textContent: countdown(c.due) })),
      el("small", { textContent: word("status", c.status) + (c.grid ? " · " + names.grid(c.grid) : "") + (c.assignee ? " · " + t("m.queue.assigned") : "") + " · " + c.number }));
    li.dataset.number = c.number;
    li.addEventListener("click", () => openCase(c.number));
    return li;
  }));
  if (!phone.queue.length) $("queueList").replaceChildren(el("li", { textContent: t("m.queue.empty") }));
}
const stepsFor = { reported: ["verify"], handled: ["pass", "fail"] };
async function openCase(number) {
  const r = await fetch("/api/v1/cases/" + number, { headers: authHeaders });
  if (!r.ok) return;
  const c = await r.json(), etag = r.headers.get("ETag");
  $("caseDetail").hidden = false;
  $("caseDetail").dataset.number = number;
  $("dTitle").textContent = names.category(c.category) + " · " + word("status", c.status);
  $("dFacts").textContent = c.description + (c.due ? " · " + t("m.queue.due", { time: time(c.due) }) : "");
  $("dHistory").replaceChildren(...c.history.map(h => el("li", { textContent: time(h.at) + " " + word("action", h.action) + (h.note ? "：" + h.note : "") })));
  $("dPhotos").replaceChildren();
  for (const p of c.photos || []) {
    const blob = await fetch(p.href, { headers: authHeaders }).then(x => x.ok ? x.blob() : null);
    if (blob) $("dPhotos").append(el("img", { src: URL.createObjectURL(blob), alt: t("m.photo") }));
  }
  $("dActions").replaceChildren(...(stepsFor[c.status] || []).map(action => {
    const b = el("button", { textContent: word("action", action) });
    b.dataset.action = action;
    b.addEventListener("click", async () => {
      phone.steps.push(number + " " + action);
      const step = { action };
      const note = $("dNote").value.trim(); if (note) step.note = note;
      const photos = [...$("dPhotos2").files];
      $("dNote").value = ""; $("dPhotos2").value = ""; $("dPhotos2").dispatchEvent(new Event("change"));
      $("dAnswer").replaceChildren(el("p", { className: "answer", textContent: t("m.step.queued") }));
      await outbox.add({ kind: "step", url: "/api/v1/cases/" + number + "/actions", headers: { "If-Match": etag }, parts: { action: step }, photos });
    });
    return b;
  }));
}

// Field updates: the basic data as the grid staff find it, through the review of the centre.
const fieldForms = {
  "household.add": [["building", "text"], ["unit", "text"], ["size", "number"]],
  "household.move_out": [["household", "number"]],
  "person.add": [["household", "number"], ["name", "text"], ["relation", "relation"], ["sex", "sex"], ["birth_year", "number"], ["id_number", "text"], ["phone", "tel"]],
  "person.update": [["person", "number"], ["name", "text"], ["phone", "tel"]],
  "person.remove": [["person", "number"]],
  "organisation.add": [["code", "text"], ["name", "text"], ["kind", "organisation"], ["building", "text"]],
  "organisation.update": [["code", "text"], ["name", "text"]],
  "facility.status": [["code", "text"], ["status", "facility"]],
};
const choices = { relation: ["head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other"], sex: ["M", "F"],
  organisation: ["shop", "restaurant", "market", "enterprise", "factory", "office", "hotel", "school", "kindergarten", "clinic", "hospital", "pharmacy", "bank", "government", "association", "religious", "other"],
  facility: ["intact", "damaged", "lost"] };
for (const kind of Object.keys(fieldForms)) $("fKind").append(new Option(t("m.field.kind." + kind), kind));
function fieldForm() {
  $("fFields").replaceChildren(...fieldForms[$("fKind").value].map(([name, type]) => {
    let input;
    if (choices[type]) {
      input = el("select");
      for (const v of choices[type]) input.append(new Option(word(type === "sex" ? "sex" : type, v), v));
    } else input = el("input", { type });
    input.dataset.field = name;
    input.dataset.type = type;
    return el("label", { className: "field" }, el("span", { textContent: t("m.field." + name) }), input);
  }));
}
$("fKind").addEventListener("change", fieldForm);
fieldForm();
$("fSend").addEventListener("click", async () => {
  const fields = {};
  for (const input of $("fFields").querySelectorAll("[data-field]")) {
    const v = input.value.trim();
    if (v) fields[input.dataset.field] = input.dataset.type === "number" ? Number(v) : v;
  }
  $("fAnswer").replaceChildren(el("p", { className: "answer", textContent: t("m.step.queued") }));
  await outbox.add({ kind: "field", url: "/api/v1/updates", json: { kind: $("fKind").value, fields } });
});

tab("grid");
await outbox.show();
outbox.flush();
window.civicgridPhoneReady = true;
