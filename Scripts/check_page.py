"""Opens the map page in headless Chromium and checks that MapLibre drew grids.

usage: check_page.py URL SCREENSHOT.png [PING_URL LON LAT]

Waits for MapLibre's `idle`, asks `queryRenderedFeatures` for grid features, clicks the
middle of the first one and checks the popup names its code; saves a screenshot.
With PING_URL (an OsmAnd report of a device at LON, LAT), sends it once the page is up and
waits for that device's marker to move there through the live stream and be drawn.
Prints a JSON summary; exits 1 when no grid was rendered or the marker did not move.
"""
import json, sys, urllib.request
import chromium
from selenium.webdriver.common.action_chains import ActionChains

url, shot = sys.argv[1], sys.argv[2]
driver = chromium.driver()
try:
    driver.set_script_timeout(60)
    driver.get(url)
    # Wait until the map has loaded its style and tiles and gone idle.
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const wait = () => {
            // Until the page assigns it, window.map is the <div id="map"> (named access).
            if (!(window.maplibregl && window.map instanceof maplibregl.Map)) return setTimeout(wait, 100);
            const m = window.map;
            if (m.loaded() && m.areTilesLoaded() && window.civicgridIdle) return done(true);
            m.once("idle", () => done(true));
        };
        wait();
    """)
    result = driver.execute_script("""
        const m = window.map;
        const grids = m.queryRenderedFeatures({layers: ["grids-fill"]});
        const codes = [...new Set(grids.map(f => f.properties.code))];
        const layers = m.getStyle().layers.map(l => l.id);
        return {zoom: m.getZoom(), grids: codes.length, sample: grids[0] ? grids[0].properties : null, layers: layers,
                center: m.getCenter().toArray()};
    """)
    if result["grids"]:
        # Click inside a grid with the real mouse: the popup shows its code.
        target = driver.execute_script("""
            const m = window.map, canvas = m.getCanvas();
            const w = canvas.clientWidth, h = canvas.clientHeight;
            // Scan the middle of the view for a pixel inside a grid.
            for (let dy = 0; dy < h / 2; dy += 17) for (const sy of [1, -1]) for (let dx = 0; dx < w / 2; dx += 17) for (const sx of [1, -1]) {
                const x = w / 2 + sx * dx, y = h / 2 + sy * dy;
                const f = m.queryRenderedFeatures([x, y], {layers: ["grids-fill"]})[0];
                if (f) return {x: x, y: y, w: w, h: h, code: f.properties.code};
            }
            return null;
        """)
        canvas = driver.find_element("css selector", "#map canvas")
        ActionChains(driver).move_to_element_with_offset(canvas, int(target["x"] - target["w"] / 2), int(target["y"] - target["h"] / 2)).click().perform()
        text = driver.execute_async_script("""
            const done = arguments[0], t0 = Date.now();
            const wait = () => {
                const p = document.querySelector(".maplibregl-popup-content");
                if (p || Date.now() - t0 > 10000) return done(p ? p.textContent : null);
                setTimeout(wait, 100);
            };
            wait();
        """)
        result["popup"] = {"code": target["code"], "text": text}
    if len(sys.argv) > 3:
        ping, lon, lat = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
        # The event stream connects after the map loads: ping once its snapshot is in.
        driver.execute_async_script("""
            const done = arguments[0], t0 = Date.now();
            const wait = () => (window.civicgridLive || Date.now() - t0 > 20000) ? done(true) : setTimeout(wait, 100);
            wait();
        """)
        urllib.request.urlopen(ping).read()
        moved = driver.execute_async_script("""
            const [lon, lat, done] = arguments;
            const t0 = Date.now();
            const check = () => {
                const m = window.map;
                const drawn = m.queryRenderedFeatures({layers: ["positions"]});
                const at = drawn.find(f => Math.abs(f.geometry.coordinates[0] - lon) < 1e-6 && Math.abs(f.geometry.coordinates[1] - lat) < 1e-6);
                if (at) return done({device: at.properties.device, online: at.properties.online, markers: drawn.length});
                if (Date.now() - t0 > 30000) return done(null);
                setTimeout(check, 200);
            };
            check();
        """, lon, lat)
        result["marker"] = moved
    driver.save_screenshot(shot)
    result["screenshot"] = shot
    print(json.dumps(result, ensure_ascii=False))
    ok = result["grids"] > 0 and result.get("popup", {}).get("code") and result["popup"]["code"] in (result["popup"]["text"] or "")
    ok = ok and (len(sys.argv) <= 3 or bool(result.get("marker")))
    sys.exit(0 if ok else 1)
finally:
    driver.quit()
