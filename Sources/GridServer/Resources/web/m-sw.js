// The grid staff page's service worker (scope /m/): the page, its modules, catalogues, styles
// and MapLibre kept in a cache, so that the page opens without a network; reads are taken from
// the network when there is one (and kept), from the cache when there is none. Writes are never
// touched: the page's outbox holds them until they are stored.
const shell = "civicgrid-phone-v1";
const files = ["/m/", "/web/m.js", "/web/i18n.js", "/web/dom.js", "/web/session.js", "/web/phone.css", "/web/zh-CN.json", "/web/en.json",
  "/assets/maplibre-gl.js", "/assets/maplibre-gl.css", "/styles/command-centre.json"];

self.addEventListener("install", e => e.waitUntil(caches.open(shell).then(c => c.addAll(files)).then(() => self.skipWaiting())));
self.addEventListener("activate", e => e.waitUntil(self.clients.claim()));
self.addEventListener("fetch", e => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || url.pathname.endsWith("/stream")) return;
  e.respondWith(fetch(e.request).then(r => {
    if (r.ok && !url.pathname.includes("/photos/")) { const copy = r.clone(); caches.open(shell).then(c => c.put(e.request, copy)); }
    return r;
  }).catch(() => caches.match(e.request, { ignoreVary: true }).then(hit => hit || (url.pathname.startsWith("/m") ? caches.match("/m/") : Response.error()))));
});
