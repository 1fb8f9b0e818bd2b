// What every page's script shares, signed in or not: element lookup and building, the
// language switch, and file inputs that say in the page's words how many photos are chosen.
import { t, setLocale, otherLocale } from "/web/i18n.js";

export const $ = id => document.getElementById(id);
export function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.filter(c => c !== undefined && c !== null));
  return e;
}

/// The button (#language) that switches to the other language, named in it.
export function languageSwitch() {
  $("language").textContent = t("language.switch");
  $("language").lang = otherLocale;
  $("language").addEventListener("click", () => setLocale(otherLocale));
}

/// Each `.filepick` input's count of chosen photos (also after the page clears it and says so
/// with a change event).
export function photoCounts() {
  for (const f of document.querySelectorAll(".filepick input")) {
    f.addEventListener("change", () => { f.parentElement.querySelector(".count").textContent = f.files.length ? t("photo.count", { n: f.files.length }) : ""; });
  }
}
