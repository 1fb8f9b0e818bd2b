// The tracking page of a resident's report (/track/{token}): its public status and notes,
// what the loop told the reporter step by step, and once it is closed the question whether it
// was fixed (满意 / 基本满意 / 不满意; 不满意 sends it back to be done again).
import { t, time, apply } from "/web/i18n.js";
import { $, el, languageSwitch } from "/web/dom.js";

apply();
languageSwitch();
const token = decodeURIComponent(location.pathname.split("/").pop() || "");

async function load() {
  const r = await fetch("/open311/v2/tokens/" + encodeURIComponent(token) + ".json").catch(() => null);
  if (!r?.ok) { $("heading").textContent = t("track.unknown"); return; }
  const q = (await r.json())[0];
  $("heading").textContent = t("track.heading", { number: q.service_request_id, name: q.service_name || "" });
  $("status").textContent = t("track.status." + q.status);
  $("status").dataset.status = q.status;
  $("notes").textContent = q.status_notes || "";
  $("facts").textContent = t("track.facts", { reported: time(q.requested_datetime), updated: time(q.updated_datetime) })
    + (q.address ? " · " + q.address : "");
  // The loop's messages as they were sent (the district's templates, stored text).
  $("messages").replaceChildren(...(q.updates || []).map(u => el("li", {}, el("small", { textContent: time(u.updated_datetime) + " " }),
    el("span", { className: "data", textContent: u.description }))));
  if (!(q.updates || []).length) $("messages").replaceChildren(el("li", { textContent: t("track.received") }));
  $("rate").hidden = !q.rateable;
  window.civicgridTrack = q;
}
for (const b of document.querySelectorAll("#rate button")) b.addEventListener("click", async () => {
  const r = await fetch("/open311/v2/tokens/" + encodeURIComponent(token) + ".json", { method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "rating=" + b.dataset.rating });
  const doc = await r.json().catch(() => null);
  $("answer").replaceChildren(el("p", { className: r.ok ? "answer" : "answer error",
    textContent: r.ok ? (doc?.[0]?.service_notice || t("track.thanks")) : t("track.refused", { detail: doc?.[0]?.description || r.status }) }));
  window.civicgridRated = r.status;
  await load();
});
await load();
window.civicgridTrackReady = true;
