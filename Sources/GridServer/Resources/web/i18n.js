// Message catalogues: every piece of the page's own text by key, Chinese first (zh-CN), English
// on the switch (remembered in this browser). Times in the district's time zone, numbers in
// the operator's locale.
const locales = ["zh-CN", "en"];
const saved = localStorage.getItem("civicgridLocale");
export const locale = locales.includes(saved) ? saved : "zh-CN";
const catalogue = await fetch("/web/" + locale + ".json").then(r => r.json());
document.documentElement.lang = locale;

/// The text of a key, `{name}` filled from `vars`; the key itself when the catalogue lacks it.
export function t(key, vars = {}) {
  const text = catalogue[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
}

/// The text of `prefix.value` if the catalogue has one (a status, role, source…), else the value.
export function word(prefix, value) {
  if (value === undefined || value === null || value === "") return "";
  return catalogue[prefix + "." + value] ?? String(value);
}

export function setLocale(next) {
  localStorage.setItem("civicgridLocale", next);
  location.reload();
}
export const otherLocale = locale === "zh-CN" ? "en" : "zh-CN";

/// Fills the page's marked elements: `data-i18n` (text), `data-i18n-placeholder`, `data-i18n-title`, `data-i18n-label`.
export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  document.title = t("page.title");
}

// The district's clock: Asia/Shanghai (the working calendar's UTC+8).
export const timeZone = "Asia/Shanghai";
const dateTime = new Intl.DateTimeFormat(locale, { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

/// An instant as the operator reads it: 2026/11/30 09:05 in the district's time.
export function time(value) {
  if (!value) return "";
  const d = new Date(value);
  return isNaN(d) ? String(value) : dateTime.format(d);
}

export function number(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  return digits === undefined ? numbers.format(value) : new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}
