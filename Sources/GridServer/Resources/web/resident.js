// The residents' report page (/report), no account: the place from the map or the phone's
// location, the words (the classifier suggests the category, the resident may change it),
// up to three photos, a name and phone only with consent; sent as an Open311 request (the
// same checks and limits), answered with the case number and its tracking link. Recent
// reports of the district are on the map (public fields only), so a resident sees whether the
// problem is reported already.
import { t, apply } from "/web/i18n.js";
import { $, el, languageSwitch, photoCounts } from "/web/dom.js";

apply();
languageSwitch();
photoCounts();


const services = await fetch("/open311/v2/services.json").then(r => r.ok ? r.json() : []).catch(() => []);
$("category").append(new Option(t("resident.letItChoose"), ""));
for (const s of services) $("category").append(new Option(s.service_name, s.service_code));

const map = window.map = new maplibregl.Map({ container: "rmap", style: "/styles/command-centre.json", center: [120.7, 31.3], zoom: 13,
  attributionControl: false, localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif" });
const regions = await fetch("/api/v1/regions").then(r => r.ok ? r.json() : []).catch(() => []);
const district = regions.find(r => r.level === "district");
if (district?.bbox) map.fitBounds([[district.bbox[0], district.bbox[1]], [district.bbox[2], district.bbox[3]]], { padding: 10, animate: false });
const pin = new maplibregl.Marker({ color: "#e63946", draggable: true });
let where = null;
function place(lngLat) {
  where = lngLat;
  pin.setLngLat(where).addTo(map);
  $("where").textContent = t("resident.at", { lon: where[0].toFixed(6), lat: where[1].toFixed(6) });
  nearby();
}
pin.on("dragend", () => place(pin.getLngLat().toArray()));
map.on("click", e => place(e.lngLat.toArray()));
$("useGPS").addEventListener("click", () => navigator.geolocation?.getCurrentPosition(p => {
  place([p.coords.longitude, p.coords.latitude]);
  map.jumpTo({ center: where, zoom: 16 });
}, e => { $("where").textContent = t("resident.noGPS", { reason: e.message }); }, { enableHighAccuracy: true }));

// Recent reports of the district on the map; the open ones near the pin listed by kind.
map.on("load", async () => {
  const recent = await fetch("/open311/v2/requests.json?page_size=1000").then(r => r.ok ? r.json() : []).catch(() => []);
  map.addSource("recent", { type: "geojson", data: { type: "FeatureCollection", features: recent.filter(q => q.lat !== null).map(q => ({
    type: "Feature", geometry: { type: "Point", coordinates: [q.long, q.lat] }, properties: { name: q.service_name, open: q.status === "open" } })) } });
  map.addLayer({ id: "recent", type: "circle", source: "recent", paint: { "circle-radius": 5, "circle-stroke-width": 1, "circle-stroke-color": "#fff",
    "circle-color": ["case", ["get", "open"], "#f59e0b", "#94a3b8"] } });
  window.civicgridRecent = recent.length;
});
async function nearby() {
  const q = new URLSearchParams({ lat: where[1], long: where[0], radius: "300", status: "open" });
  const found = await fetch("/open311/v2/requests.json?" + q).then(r => r.ok ? r.json() : []).catch(() => []);
  const kinds = [...new Set(found.map(f => f.service_name).filter(Boolean))].slice(0, 5);
  $("nearby").textContent = found.length ? t("resident.nearby", { n: found.length, kinds: kinds.join("、") }) : t("resident.noneNearby");
}

// The classifier's guess as the words are typed (the resident may choose another).
let timer;
$("description").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const text = $("description").value.trim();
    if (!text || $("category").dataset.chosen) return;
    const guesses = await fetch("/api/v1/categories/suggest?" + new URLSearchParams({ text })).then(r => r.ok ? r.json() : []).catch(() => []);
    if (guesses[0] && guesses[0].confidence >= 0.4) $("category").value = guesses[0].category;
  }, 400);
});
$("category").addEventListener("change", () => { $("category").dataset.chosen = "1"; });
$("consent").addEventListener("change", () => $("answer").querySelector(".error")?.remove());

$("send").addEventListener("click", async () => {
  const box = $("answer"), say = (text, error) => box.replaceChildren(el("p", { className: error ? "answer error" : "answer", textContent: text }));
  const description = $("description").value.trim(), photos = [...$("photos").files];
  const name = $("name").value.trim(), phone = $("phone").value.trim();
  if (!where) return say(t("resident.needPlace"), true);
  if (!description) return say(t("resident.needWords"), true);
  if (photos.length > 3) return say(t("resident.tooMany"), true);
  if ((name || phone) && !$("consent").checked) return say(t("resident.needConsent"), true);
  const form = new FormData();
  form.append("lat", String(where[1]));
  form.append("long", String(where[0]));
  form.append("description", description);
  if ($("category").value) form.append("service_code", $("category").value);
  if (name) form.append("first_name", name);
  if (phone) form.append("phone", phone);
  if (name || phone) form.append("consent", "yes");
  photos.forEach((p, i) => form.append("media", p, "photo" + i + (p.type === "image/png" ? ".png" : ".jpg")));
  $("send").disabled = true;
  const r = await fetch("/open311/v2/requests.json", { method: "POST", body: form }).catch(() => null);
  $("send").disabled = false;
  if (!r) return say(t("resident.offline"), true);
  const doc = await r.json().catch(() => null);
  if (!r.ok) return say(t("resident.refused", { detail: doc?.[0]?.description || r.status }), true);
  const made = doc[0], link = "/track/" + made.token;
  const mine = JSON.parse(localStorage.getItem("civicgridMyReports") || "[]");
  mine.unshift({ number: made.service_request_id, token: made.token, at: Date.now() });
  localStorage.setItem("civicgridMyReports", JSON.stringify(mine.slice(0, 20)));
  box.replaceChildren(el("p", { className: "answer" }, t("resident.filed", { number: made.service_request_id }), el("br"),
    el("a", { href: link, id: "trackLink", textContent: t("resident.track") })));
  window.civicgridReported = made;
});
window.civicgridResidentReady = true;
