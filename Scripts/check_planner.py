"""Drives one planner edit end to end in headless Chromium, as a planner would.

usage: check_planner.py BASE_URL TOKEN PLAN SCREENSHOT.png

Reads the draft from the API, picks two neighbouring grids A and B and the building of A
nearest to B, opens the map's planner view on the plan, clicks that building's point with
the mouse, chooses B in "Move them to", presses Move, waits for the page to show the next
version, and checks through the API that the building is now in B. Prints a JSON summary;
exits 1 if any step fails.
"""
import json, sys, urllib.request
from shapely.geometry import shape, Point
import chromium
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

base, token, plan, shot = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))

doc = get("/api/v1/plans/" + plan)
grids = {f["properties"]["code"]: shape(f["geometry"]) for f in doc["grids"]["features"]}
pair = next((a, b) for a in sorted(grids) for b in sorted(grids) if a < b and grids[a].intersection(grids[b]).length > 0)
a, b = pair
candidates = [f for f in doc["buildings"]["features"] if f["properties"]["grid"] == a]
building = min(candidates, key=lambda f: grids[b].exterior.distance(Point(f["geometry"]["coordinates"])))
lon, lat = building["geometry"]["coordinates"]
result = {"plan": int(plan), "from": a, "to": b, "building": building["id"], "version_before": doc["version"]}

driver = chromium.driver()
ok = False
try:
    driver.set_script_timeout(60)
    driver.get(f"{base}/map?token={token}&plan={plan}")
    # The plan is open and drawn; then zoom to the building so its point stands alone.
    driver.execute_async_script("""
        const [lon, lat, done] = arguments;
        const wait = () => {
            const p = window.civicgridPlanner, m = window.map;
            if (!(window.maplibregl && m instanceof maplibregl.Map) || !p || !p.plan || !m.getLayer("draft-buildings")) return setTimeout(wait, 100);
            m.jumpTo({center: [lon, lat], zoom: 18});
            m.once("idle", () => done(true));
        };
        wait();
    """, lon, lat)
    point = driver.execute_script("const c = window.map.getCanvas(); const p = window.map.project(arguments[0]);"
                                  "return {x: p.x, y: p.y, w: c.clientWidth, h: c.clientHeight};", [lon, lat])
    canvas = driver.find_element("css selector", "#map canvas")
    ActionChains(driver).move_to_element_with_offset(canvas, int(point["x"] - point["w"] / 2), int(point["y"] - point["h"] / 2)).click().perform()
    result["selected"] = driver.execute_script("return [...window.civicgridPlanner.selected];")
    Select(driver.find_element("id", "pTarget")).select_by_value(b)
    driver.find_element("id", "pMove").click()
    result["version_shown"] = driver.execute_async_script("""
        const [v, done] = arguments, t0 = Date.now();
        const wait = () => {
            const p = window.civicgridPlanner;
            if (p.version > v) return done(p.version);
            if (Date.now() - t0 > 20000) return done(null);
            setTimeout(wait, 100);
        };
        wait();
    """, doc["version"])
    result["report"] = driver.find_element("id", "pReport").text
    result["message"] = driver.find_element("id", "pMessage").text
    driver.save_screenshot(shot)
    after = get("/api/v1/plans/" + plan)
    moved = next(f for f in after["buildings"]["features"] if f["id"] == building["id"])
    result["grid_after"] = moved["properties"]["grid"]
    result["version_after"] = after["version"]
    ok = result["selected"] == [building["id"]] and result["version_shown"] == doc["version"] + 1 and result["grid_after"] == b
finally:
    driver.quit()
print(json.dumps(result, ensure_ascii=False))
sys.exit(0 if ok else 1)
