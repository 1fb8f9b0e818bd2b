// The command-centre page's map, over what every page shares (session.js).
import { token, authHeaders } from "/web/session.js";
import { t } from "/web/i18n.js";
export * from "/web/session.js";

// Start on the data unless the URL names a view (the hash keeps zoom and centre).
const tileJSON = await fetch("/tiles.json").then(r => r.json());
const options = { container: "map", style: "/styles/command-centre.json", hash: true, attributionControl: false,
  localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
  // MapLibre's own words (control titles, the scale's units) from the catalogue.
  locale: Object.fromEntries(["Map.Title", "NavigationControl.ZoomIn", "NavigationControl.ZoomOut", "NavigationControl.ResetBearing", "Popup.Close",
    "ScaleControl.Meters", "ScaleControl.Kilometers", "AttributionControl.ToggleAttribution"].map(k => [k, t("maplibre." + k)])),
  transformRequest: url => url.startsWith(location.origin) && token ? { url, headers: authHeaders } : { url } };
if (!location.hash && tileJSON.bounds) Object.assign(options, { bounds: tileJSON.bounds, fitBoundsOptions: { padding: 20 } });
export const map = new maplibregl.Map(options);
window.map = map;
map.addControl(new maplibregl.NavigationControl(), "top-right");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
// The city's basemap (serve --basemap) names its source.
map.once("load", () => { if (map.getSource("basemap")) map.addControl(new maplibregl.AttributionControl({ compact: true })); });

/// A popup kept inside the map (its close button always visible).
export function popup(lngLat, content, maxWidth = "360px") {
  return new maplibregl.Popup({ maxWidth, anchor: undefined, focusAfterOpen: false }).setLngLat(lngLat).setDOMContent(content).addTo(map);
}

export function status(text) { document.getElementById("status").textContent = text; }
