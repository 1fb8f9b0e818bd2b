// Cases: the signed-in role's queue or any filter, on the map (colour by status, a red ring
// when overdue, a heat map), a case's panel with its timeline, photos and the steps the role
// may take (sent with the case's ETag), a hotline form for the command centre, and the live
// feed: new, overdue and escalated cases appear as they happen. Everything by name: category,
// place, holder, actor.
import { t, word, time } from "/web/i18n.js";
import { map, token, authHeaders, $, el, table, named, names } from "/web/app.js";

export const statusColours = { reported: "#6c757d", verified: "#0ea5e9", filed: "#6366f1", dispatched: "#f59e0b", accepted: "#d97706",
  suspended: "#a855f7", handled: "#22c55e", checked: "#16a34a", closed: "#94a3b8", voided: "#cbd5e1" };
const stepsByStatus = { reported: ["verify", "assign", "void"], verified: ["file", "void"], filed: ["dispatch", "escalate", "void"],
  dispatched: ["accept", "return"], accepted: ["handle", "request_extension", "request_suspension", "return", "approve", "refuse"],
  suspended: ["resume"], handled: ["pass", "fail", "assign"], checked: ["close"] };
const stepsByRole = { dispatcher: ["verify", "void", "file", "dispatch", "escalate", "approve", "refuse", "resume", "pass", "fail", "close", "accept", "handle", "return", "supervise", "assign"],
  department: ["accept", "return", "request_extension", "request_suspension", "handle", "resume"], member: ["verify", "pass", "fail"] };
const sources = ["grid_staff", "public_web", "open311", "sms", "hotline", "video", "referral"];
const pageSize = 500;

/// Stored free text (descriptions, notes, account names): shown as it was written.
const data = text => text ? el("span", { className: "data", textContent: text }) : undefined;
/// A word of ours when the catalogue has it, else the stored value as data.
const known = (prefix, value) => { const w = word(prefix, value); return w === value ? data(value) : w; };


export const cases = window.civicgridCases = {
  me: null, list: new Map(), current: null, etag: null, picking: false, where: null, next: null, selected: new Set(), staff: null,
  async call(method, url, body, extra = {}) {
    const r = await fetch(url, { method, headers: { ...authHeaders, "Content-Type": "application/json", ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
    const doc = r.status === 204 ? {} : await r.json().catch(() => ({}));
    $("cMessage").textContent = r.ok ? "" : t("error.answer", { title: doc.title || r.status, detail: doc.detail || "" });
    return r.ok ? { doc, etag: r.headers.get("ETag") } : null;
  },
  query() {
    const q = new URLSearchParams({ limit: String(pageSize) });
    for (const [id, key] of [["cStatus", "status"], ["cSource", "source"], ["cCategory", "category"]]) { const v = $(id).value; if (v) q.set(key, v); }
    if ($("cOverdue").checked) q.set("overdue", "true");
    if ($("cQueue").checked) q.set("queue", "mine");
    const region = $("region").value; if (region) q.set("region", region);
    if ($("cSort").value === "due") q.set("sort", "due");
    return q;
  },
  tilesURL() {
    const q = this.query(); q.delete("limit"); q.delete("queue"); q.delete("sort");
    return location.origin + "/api/v1/cases/tiles/{z}/{x}/{y}.mvt" + (q.toString() ? "?" + q : "");
  },
  /// The first page of the list; `more` reads the next (every case of the filter reachable).
  async load() {
    map.getSource("case-tiles")?.setTiles([this.tilesURL()]);
    const got = await this.call("GET", "/api/v1/cases?" + this.query());
    if (!got) return;
    this.list = new Map(got.doc.cases.map(c => [c.number, c]));
    this.next = got.doc.next || null;
    this.matched = got.doc.numberMatched;
    this.draw();
    window.civicgridCasesLoaded = true;
  },
  async more() {
    if (!this.next) return;
    const got = await this.call("GET", this.next);
    if (!got) return;
    for (const c of got.doc.cases) this.list.set(c.number, c);
    this.next = got.doc.next || null;
    this.draw();
  },
  feature(c) { return { type: "Feature", id: Number(c.number.slice(-9)), geometry: { type: "Point", coordinates: c.location },
    properties: { number: c.number, status: c.status, overdue: !!c.overdue, category: c.category, colour: statusColours[c.status] || "#000" } }; },
  draw() {
    const data = { type: "FeatureCollection", features: [...this.list.values()].map(c => this.feature(c)) };
    map.getSource("cases")?.setData(data);
    const matched = Math.max(this.matched ?? 0, this.list.size);
    $("cCount").textContent = matched > this.list.size ? t("cases.countMore", { n: this.list.size, total: matched }) : t("cases.count", { n: this.list.size });
    $("cMore").style.display = this.next ? "" : "none";
    const ul = $("caseList");
    ul.replaceChildren(...[...this.list.values()].map(c => {
      const li = el("li", { tabIndex: 0 });
      li.dataset.number = c.number;
      const box = el("input", { type: "checkbox", checked: this.selected.has(c.number) });
      box.setAttribute("aria-label", t("cases.select", { number: c.number }));
      box.addEventListener("click", e => { e.stopPropagation(); if (box.checked) this.selected.add(c.number); else this.selected.delete(c.number); this.showBulk(); });
      li.append(box, el("span", { className: "dot", style: "background:" + (statusColours[c.status] || "#000") }),
        el("span", { className: c.overdue ? "overdue" : "" }, names.category(c.category) + " · " + word("status", c.status)
          + (c.community ? " · " + names.region(c.community) : ""), el("small", { className: "code", textContent: " " + c.number })));
      li.addEventListener("click", () => this.open(c.number));
      li.addEventListener("keydown", e => { if (e.key === "Enter") this.open(c.number); });
      return li;
    }));
  },
  /// The staff whose phones last fell in the case's grid (online first), from the live positions.
  staffIn(c) {
    if (!c.place.grid) return undefined;
    const here = [...(window.civicgridPositions?.values() || [])].filter(f => f.properties.grid === c.place.grid);
    if (!here.length) return t("case.noStaff");
    const online = f => Date.now() - Date.parse(f.properties.time) <= 600e3;
    return here.sort((a, b) => online(b) - online(a)).map(f => (f.properties.member_name || f.properties.device) + "（" + (online(f) ? t("field.online") : t("case.offline")) + "）").join("、");
  },
  /// The online staff positions (a fix in the last 10 minutes) and their distance from the
  /// case in metres, nearest first.
  onlineNear(c) {
    const [x, y] = c.location.coordinates || c.location, k = Math.cos(y * Math.PI / 180);
    return [...window.civicgridPositions?.values() || []].filter(f => Date.now() - Date.parse(f.properties.time) <= 600e3)
      .map(f => { const [px, py] = f.geometry.coordinates; return { f, d: Math.hypot((px - x) * k, py - y) * 111320 }; })
      .sort((a, b) => a.d - b.d);
  },
  /// The nearest online staff member to the case, and how far.
  nearest(c) {
    const best = this.onlineNear(c)[0];
    return best ? t("case.staffAt", { name: best.f.properties.member_name || best.f.properties.device, metres: Math.round(best.d) }) : undefined;
  },
  /// The grid staff who may take a case's verification or check (those working in one of its
  /// regions): the staff of its grid first, then the online ones nearest first, then the rest.
  async assignees(c) {
    if (!this.staff) this.staff = await fetch("/api/v1/staff", { headers: authHeaders }).then(r => r.ok ? r.json() : []);
    const desks = [c.place.community, c.place.street, c.place.district].filter(Boolean);
    const online = new Map();  // member → metres of their nearest phone
    for (const { f, d } of this.onlineNear(c)) if (f.properties.member_name && !online.has(f.properties.member_name)) online.set(f.properties.member_name, d);
    const rank = s => (s.grids.includes(c.place.grid) ? 0 : 1e9) + (online.get(s.name) ?? 1e8);
    return this.staff.filter(s => !s.region || desks.includes(s.region)).sort((a, b) => rank(a) - rank(b)).map(s => {
      const where = s.grids.includes(c.place.grid) ? t("case.ownGrid") : s.grids.map(g => names.grid(g)).join("、") || names.region(s.region);
      const near = online.has(s.name) ? t("field.online") + " " + t("case.metres", { metres: Math.round(online.get(s.name)) }) : t("case.offline");
      return new Option(s.name + " · " + where + " · " + near, s.name);
    });
  },
  /// Several cases selected: one step for all, each taken with its own version (If-Match), one
  /// after another; what was refused is said case by case.
  showBulk() {
    $("bulk").hidden = !this.selected.size;
    $("bulkCount").textContent = t("cases.selected", { n: this.selected.size });
  },
  async bulk() {
    const action = $("bulkAction").value, numbers = [...this.selected];
    const refused = [];
    let done = 0;
    for (const number of numbers) {
      const r = await fetch("/api/v1/cases/" + number, { headers: authHeaders });
      const etag = r.headers.get("ETag");
      const body = { action };
      if (action === "void") body.reason = "duplicate";
      const s = r.ok ? await fetch("/api/v1/cases/" + number + "/actions", { method: "POST", headers: { ...authHeaders, "Content-Type": "application/json", "If-Match": etag }, body: JSON.stringify(body) }) : r;
      if (s.ok) { done++; this.selected.delete(number); } else { const doc = await s.json().catch(() => ({})); refused.push(number + "：" + (doc.detail || s.status)); }
      $("bulkCount").textContent = t("cases.bulkProgress", { done, total: numbers.length });
    }
    $("cMessage").textContent = t("cases.bulkDone", { done, refused: refused.length }) + (refused.length ? " " + refused.join("；") : "");
    window.civicgridBulk = { done, refused };
    await this.load();
    this.showBulk();
  },
  async open(number) {
    const got = await this.call("GET", "/api/v1/cases/" + number);
    if (!got) return;
    const c = got.doc; this.current = c; this.etag = got.etag;
    $("casePanel").style.display = "block";
    Object.assign($("cTitle").dataset, { number: c.number, status: c.status });
    $("cTitle").replaceChildren(named(names.category(c.category), c.number), " — " + word("status", c.status) + (c.overdue ? " " + t("case.overdue") : ""));
    const place = [c.place.community && names.region(c.place.community), c.place.grid && names.grid(c.place.grid)].filter(Boolean).join(" · ");
    $("cFacts").replaceChildren(table([[t("field.category"), named(names.category(c.category), c.category)], [t("field.urgency"), word("urgency", c.urgency)],
      [t("field.source"), word("source", c.source)], [t("field.description"), data(c.description)], [t("field.address"), data(c.address)], [t("field.place"), place],
      [t("field.holder"), c.holder ? names.holder(c.holder) : undefined], [t("field.due"), time(c.due)],
      [t("field.reporter"), c.reporter ? data([c.reporter.name, c.reporter.phone].filter(Boolean).join(" ")) : undefined],
      [t("field.returnsReworks"), c.counts.returns + " / " + c.counts.reworks], [t("field.supervisionsEscalations"), c.counts.supervisions + " / " + c.counts.escalations],
      [t("field.route"), c.route?.department ? names.department(c.route.department) : undefined], [t("field.assignee"), data(c.assignee)],
      [t("field.gridStaff"), this.staffIn(c)], [t("field.nearestStaff"), this.nearest(c)]]));
    $("timeline").replaceChildren(...c.history.map(h => el("li", {}, time(h.at) + " ", known("actor", h.actor), "：" + word("action", h.action) + " → " + word("status", h.to)
      + (h.holder ? "（" + names.holderCode(h.holder) + "）" : ""), h.detail?.assignee ? data(" " + h.detail.assignee) : undefined,
      h.note ? data(" — " + h.note) : undefined)));
    const photos = $("casePhotos"); photos.replaceChildren();
    for (const p of c.photos || []) {
      const blob = await fetch(p.href, { headers: authHeaders }).then(r => r.ok ? r.blob() : null);
      if (blob) photos.append(el("img", { src: URL.createObjectURL(blob), title: t("case.photoOfStep", { n: p.step }), alt: t("case.photo") }));
    }
    const role = this.me ? this.me.role : "";
    const target = $("cTarget"); target.replaceChildren();
    if (c.status === "filed") {
      const routed = c.route && c.route.department;
      for (const d of Object.values(names.departments)) target.append(new Option((d.code === routed ? "★ " : "") + d.name, "department:" + d.code));
      for (const desk of [c.place.community, c.place.street, c.place.district].filter(Boolean)) target.append(new Option(t("desk.of", { name: names.region(desk) }), "region:" + desk));
      // The case's route is preselected (a department off it needs a reason in the note).
      if (routed) { target.value = "department:" + routed; target.title = c.route.why; }
    } else if (c.status === "accepted") {
      for (const l of ["1d", "2d", "4h"]) target.append(new Option(t("case.extension." + l), "limit:" + l));
    } else if (["reported", "verified"].includes(c.status)) {
      for (const r of ["not_true", "not_ours"]) target.append(new Option(t("case.voidReason", { reason: word("voidReason", r) }), "reason:" + r));
    }
    target.style.display = target.options.length ? "" : "none";
    // A department that does not handle the category: said before the click (the step needs a reason).
    const warn = () => {
      const [kind, code] = target.value.split(":"), d = names.departments[code];
      const handles = d && (d.categories || []).some(x => c.category.startsWith(x));
      $("cWarn").textContent = kind === "department" && d && !handles ? t("case.offRoute", { department: d.name, category: names.category(c.category) }) : "";
    };
    target.onchange = warn;
    warn();
    // Recategorise: the classifier's suggestions from the description first, then every category.
    const mayRecategorise = ["reported", "verified", "filed"].includes(c.status) && ["admin", "dispatcher"].includes(role);
    $("cRecategorise").hidden = !mayRecategorise;
    if (mayRecategorise) {
      const pick = $("cNewCategory"); pick.replaceChildren();
      const suggested = await fetch("/api/v1/categories/suggest?" + new URLSearchParams({ text: c.description }), { headers: authHeaders }).then(r => r.ok ? r.json() : []);
      const group = el("optgroup", { label: t("case.suggested") });
      for (const s of suggested) group.append(new Option(s.name + "（" + Math.round(s.confidence * 100) + "%）", s.category));
      if (group.children.length) pick.append(group);
      const all = el("optgroup", { label: t("case.allCategories") });
      for (const x of Object.values(names.categories)) all.append(new Option(x.name + "（" + x.code + "）", x.code));
      pick.append(all);
    }
    // Assign: the verification or check given to a named grid staff member.
    const mayAssign = ["reported", "handled"].includes(c.status) && ["admin", "dispatcher"].includes(role);
    $("cAssign").hidden = !mayAssign;
    if (mayAssign) $("cAssignee").replaceChildren(...await this.assignees(c));
    // Possible duplicates, for every source: each opens its case.
    $("cDuplicates").replaceChildren(...(c.possible_duplicates || []).map(d => {
      const a = el("a", { href: "#", textContent: d.number + "（" + t("case.metres", { metres: Math.round(d.metres) }) + "）" });
      a.addEventListener("click", e => { e.preventDefault(); this.open(d.number); });
      return a;
    }));
    $("cDuplicatesRow").hidden = !(c.possible_duplicates || []).length;
    const allowed = (stepsByStatus[c.status] || []).filter(a => role === "admin" || (stepsByRole[role] || []).includes(a));
    $("caseActions").replaceChildren(...allowed.map(a => {
      const b = el("button", { textContent: word("action", a) });
      b.dataset.action = a;
      b.addEventListener("click", () => this.act(a));
      return b;
    }));
  },
  async act(action) {
    const body = { action };
    if (action === "recategorise") body.category = $("cNewCategory").value;
    if (action === "assign") body.assignee = $("cAssignee").value;
    const note = $("cNote").value.trim(); if (note) body.note = note;
    const [kind, value] = ($("cTarget").value || ":").split(":");
    if (action === "dispatch") { if (kind === "department") body.department = value; else body.region = value; }
    if (action === "escalate") { const desks = [this.current.place.community, this.current.place.street, this.current.place.district].filter(Boolean);
      const at = desks.indexOf(this.current.holder && this.current.holder.region); body.to = desks[Math.min(at + 1, desks.length - 1)]; }
    if (action === "request_extension") body.limit = kind === "limit" ? value : "1d";
    if (action === "void") body.reason = kind === "reason" ? value : "not_true";
    const got = await this.call("POST", "/api/v1/cases/" + this.current.number + "/actions", body, { "If-Match": this.etag });
    if (!got) return;
    $("cNote").value = "";
    await this.open(this.current.number);
    const c = this.list.get(this.current.number);
    if (c) { c.status = got.doc.status; c.overdue = got.doc.overdue; this.draw(); }
  },
  alert(e) {
    const div = el("div", { className: e.kind, role: "status", textContent: t("alert." + e.kind, { category: names.category(e.category), status: word("status", e.status), number: e.number }) });
    Object.assign(div.dataset, { kind: e.kind, number: e.number });
    div.addEventListener("click", () => { this.open(e.number); div.remove(); });
    const box = $("alerts"); box.prepend(div);
    while (box.children.length > 5) box.lastChild.remove();
    setTimeout(() => div.remove(), 20000);
  },
  live() {
    const stream = new EventSource("/api/v1/cases/stream?access_token=" + encodeURIComponent(token));
    stream.onopen = () => { window.civicgridCaseFeed = true; };
    stream.addEventListener("case", m => {
      const e = JSON.parse(m.data);
      const known = this.list.get(e.number);
      if (known) Object.assign(known, { status: e.status, overdue: e.overdue, holder: e.holder, version: e.version });
      else if (e.kind === "new") this.list.set(e.number, { number: e.number, category: e.category, status: e.status, overdue: e.overdue, location: e.location, created_at: e.at });
      this.draw();
      if (e.kind !== "update") this.alert(e);
      if (this.current && this.current.number === e.number && this.current.version < e.version) this.open(e.number);
    });
  },
  place(lngLat) {
    this.where = [lngLat.lng, lngLat.lat];
    $("nWhere").textContent = lngLat.lng.toFixed(6) + ", " + lngLat.lat.toFixed(6);
  },
  async start(me) {
    if (!["admin", "dispatcher", "viewer", "member", "department"].includes(me.role)) return;
    this.me = me;
    $("casesToggle").style.display = "";
    for (const s of Object.keys(statusColours)) $("cStatus").append(new Option(word("status", s), s));
    for (const s of sources) $("cSource").append(new Option(word("source", s), s));
    for (const sv of Object.values(names.categories)) {
      $("cCategory").append(new Option(sv.name + "（" + sv.code + "）", sv.code));
      $("nCategory").append(new Option(sv.name + "（" + sv.code + "）", sv.code));
    }
    if (!["admin", "dispatcher"].includes(me.role)) $("cNew").style.display = "none";
    $("cQueue").checked = me.role !== "viewer";
    map.addSource("cases", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    // The heat map weighs every case the filters pass (not only the listed ones): the case
    // tiles count them in cells far out and give each case close up.
    map.addSource("case-tiles", { type: "vector", tiles: [this.tilesURL()], minzoom: 0, maxzoom: 16 });
    map.addLayer({ id: "cases-heat", type: "heatmap", source: "case-tiles", "source-layer": "cases", layout: { visibility: "none" }, paint: {
      "heatmap-weight": ["coalesce", ["get", "count"], 1], "heatmap-radius": 18, "heatmap-opacity": 0.7,
      "heatmap-intensity": ["interpolate", ["linear"], ["zoom"], 10, 0.05, 16, 2] } });
    map.addLayer({ id: "cases", type: "circle", source: "cases", paint: { "circle-radius": 6, "circle-color": ["get", "colour"],
      "circle-stroke-color": ["case", ["get", "overdue"], "#b42318", "#ffffff"], "circle-stroke-width": ["case", ["get", "overdue"], 3, 1] } });
    map.on("mouseenter", "cases", () => map.getCanvas().style.cursor = "pointer");
    map.on("mouseleave", "cases", () => map.getCanvas().style.cursor = "");
    for (const id of ["cStatus", "cSource", "cCategory", "cOverdue", "cQueue", "region"]) $(id).addEventListener("change", () => this.load());
    $("cSort").addEventListener("change", () => this.load());
    $("cMore").addEventListener("click", () => this.more());
    for (const a of ["verify", "file", "dispatch", "supervise"].filter(a => me.role === "admin" || (stepsByRole[me.role] || []).includes(a))) {
      $("bulkAction").append(new Option(a === "dispatch" ? t("cases.bulkDispatch") : word("action", a), a));
    }
    $("bulkGo").addEventListener("click", () => this.bulk());
    $("cRecategoriseGo").addEventListener("click", () => this.act("recategorise"));
    $("bulkClear").addEventListener("click", () => { this.selected.clear(); this.draw(); this.showBulk(); });
    $("cHeat").addEventListener("change", e => map.setLayoutProperty("cases-heat", "visibility", e.target.checked ? "visible" : "none"));
    await this.load();
    this.live();
  },
};
// The panel and the legend share the map's left side: one at a time.
$("casesToggle").addEventListener("click", () => { const p = $("cases"), open = p.style.display !== "block"; p.style.display = open ? "block" : "none"; $("legend").style.visibility = open ? "hidden" : ""; });
$("cNew").addEventListener("click", () => { $("caseForm").style.display = "block"; cases.picking = true; $("nWhere").textContent = "—"; });
$("nCancel").addEventListener("click", () => { $("caseForm").style.display = "none"; cases.picking = false; });
$("nSubmit").addEventListener("click", async () => {
  if (!cases.where) { $("cMessage").textContent = t("case.placeFirst"); return; }
  const reporter = {};
  const name = $("nName").value.trim(), phone = $("nPhone").value.trim();
  if (name) reporter.name = name; if (phone) reporter.phone = phone;
  const got = await cases.call("POST", "/api/v1/cases", { category: $("nCategory").value, description: $("nDescription").value,
    lon: cases.where[0], lat: cases.where[1], source: "hotline", reporter });
  if (!got) return;
  $("caseForm").style.display = "none"; cases.picking = false; cases.where = null;
  cases.list.set(got.doc.number, { number: got.doc.number, category: got.doc.category, status: got.doc.status, overdue: false, location: got.doc.location.coordinates });
  cases.draw(); cases.open(got.doc.number);
});
