// What every page shares: the signed-in token, small DOM helpers and the names of regions,
// categories and departments (shown instead of their codes).
import { t, word } from "/web/i18n.js";
import { $, el } from "/web/dom.js";

// Signing in: an API token from ?token= (then dropped from the address) or the prompt, kept
// in this browser; requests to this server carry it, the event streams as access_token.
export const query = new URLSearchParams(location.search);
if (query.get("token")) {
  localStorage.setItem("civicgridToken", query.get("token"));
  query.delete("token");
  history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query : "") + location.hash);
}
export const token = localStorage.getItem("civicgridToken");
export const authHeaders = token ? { Authorization: "Bearer " + token } : {};

export { $, el };

/// A two-column table of label and value (rows without a value left out).
export function table(rows) {
  const tbl = document.createElement("table");
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === "") continue;
    const tr = tbl.insertRow();
    tr.insertCell().textContent = k;
    const cell = tr.insertCell();
    if (v instanceof Node) cell.append(v); else cell.textContent = v;
  }
  return tbl;
}

/// A name with its code after it in grey (codes stay findable, names come first).
export function named(name, code) {
  const span = el("span", {}, name || code || "");
  if (name && code && name !== code) span.append(" ", el("small", { className: "code", textContent: code }));
  return span;
}

// Names by code: regions for everyone; categories from the public service list; departments
// and staff for those signed in who may see them.
export const names = {
  regions: {}, categories: {}, departments: {},
  async load() {
    const [regions, services] = await Promise.all([fetch("/api/v1/regions").then(r => r.ok ? r.json() : []),
                                                   fetch("/open311/v2/services.json").then(r => r.ok ? r.json() : [])]);
    for (const r of regions) this.regions[r.code] = r;
    for (const s of services) this.categories[s.service_code] = { code: s.service_code, name: s.service_name, group: s.group };
    if (token) {
      const d = await fetch("/api/v1/departments", { headers: authHeaders });
      if (d.ok) for (const x of await d.json()) this.departments[x.code] = x;
    }
    return this;
  },
  region(code) { return this.regions[code]?.name || code; },
  category(code) { return this.categories[code]?.name || code; },
  department(code) { return this.departments[code]?.name || code; },
  /// A grid's name: its own, else "<community> 第N网格" from the code.
  grid(code, name) {
    if (name) return name;
    if (!code) return "";
    const community = this.regions[code.slice(0, 12)]?.name;
    const n = Number(code.slice(12));
    return (community ? community + " " : "") + t("grid.numbered", { n: Number.isFinite(n) ? n : code.slice(12) });
  },
  holder(h) {
    if (!h) return "";
    return h.department ? this.department(h.department) : t("desk.of", { name: this.region(h.region) });
  },
  /// A holder given by its code alone (a department's or a desk's).
  holderCode(code) { return !code ? "" : this.departments[code] ? this.department(code) : t("desk.of", { name: this.region(code) }); },
};
await names.load();
window.civicgridNames = names;
export { t, word };
