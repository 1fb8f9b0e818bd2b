"""The 3D view and a building's households on the command-centre page, in headless Chromium.

usage: check_people_page.py BASE VIEWER_TOKEN ADMIN_TOKEN BUILDING_ID LON LAT ADDRESS SCREENSHOT.png
  BUILDING_ID, LON LAT, ADDRESS: a building with household members recorded, its label point and address.

As the viewer: switch to 3D (buildings extruded from the tiles), click the building with the
real mouse, open its floors and households (units on more than one floor), open a unit: the
members masked, no way to see them whole; then find the building by its address in the search
box and open it from the hit. As the admin: the same unit shown whole after "Show whole". Prints a JSON summary;
exits 1 on the first thing that is wrong.
"""
import json, sys
import chromium
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

base, viewer, admin, building, lon, lat, address, shot = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7], sys.argv[8]
wait = chromium.wait
seen = {}


def open_unit(driver, token):
    driver.get(f"{base}/map?token={token}#17/{lat}/{lon}")
    assert wait(driver, "window.civicgridIdle", 60), "the map did not load"
    driver.find_element(By.ID, "toggle3d").click()
    driver.execute_script("window.civicgridIdle = false")
    extruded = wait(driver, f"window.civicgridIdle && window.map.getPitch() > 50 && window.map.queryRenderedFeatures({{layers: ['buildings-3d']}}).some(f => f.id === {building})", 60)
    assert extruded, "the building is not extruded in 3D"
    point = driver.execute_script(f"const p = window.map.project([{lon}, {lat}]); return [p.x, p.y];")
    canvas = driver.find_element(By.CSS_SELECTOR, "#map canvas")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, point[0] - size["width"] / 2, point[1] - size["height"] / 2).click().perform()
    button = wait(driver, "[...document.querySelectorAll('.maplibregl-popup button')].find(b => b.dataset.open === 'households')", 30)
    assert button, "no building popup"
    button.click()
    assert wait(driver, "window.civicgridBuildingOpen", 30), "the floors and households did not open"
    units = driver.find_elements(By.CSS_SELECTOR, "#homeUnits button")
    with_members = [u for u in units if not u.text.endswith("(0)")]
    assert with_members, [u.text for u in units]
    with_members[0].click()
    assert wait(driver, "window.civicgridMembers", 30), "no members"
    return driver.execute_script("return window.civicgridMembers"), driver.execute_script("return window.civicgridBuildingOpen")


driver = chromium.driver()
try:
    driver.set_script_timeout(90)
    members, doc = open_unit(driver, viewer)
    assert not members["whole"] and members["people"], members
    assert all("**" in p["name"] for p in members["people"]), members
    assert all(p.get("phone") is None or "****" in p["phone"] for p in members["people"]), members
    assert not driver.find_elements(By.ID, "homeUnmask"), "a viewer is offered the whole record"
    seen["floors"], seen["units"], seen["masked"] = doc["floors"], len(doc["units"]), [p["name"] for p in members["people"]]
    seen["unit_floors"] = sorted({u.get("floor") for u in doc["units"] if u.get("floor")})
    assert len(seen["unit_floors"]) > 1, doc["units"][:5]
    # The search box: the building's address typed, its hit clicked, the building's panel offered.
    box = driver.find_element(By.ID, "search")
    box.send_keys(address)
    assert wait(driver, f"(window.civicgridSearchHits || []).some(h => h.kind === 'building' && h.id === '{building}')", 30), "the search did not find the building"
    hit = wait(driver, f"[...document.querySelectorAll('#searchHits li')].find(li => li.textContent.includes({json.dumps(address)}))", 10)
    assert hit, "no hit listed"
    hit.click()
    assert wait(driver, "[...document.querySelectorAll('.maplibregl-popup button')].some(b => b.dataset.open === 'households')", 30), "the hit opened no building panel"
    assert not driver.execute_script("return (window.civicgridSearchHits || []).some(h => h.kind === 'person')"), "a viewer found people"
    seen["search"] = driver.execute_script("return window.civicgridSearchHits.map(h => h.kind + ' ' + h.title)")
    # At zoom 16+ the facilities and organisations around are drawn.
    assert wait(driver, "window.civicgrid_facilities > 0 && window.civicgrid_organisations > 0 && window.map.queryRenderedFeatures({layers: ['facilities', 'organisations']}).length > 0", 60), \
        "no facilities or organisations drawn near the building"
    seen["basics_drawn"] = driver.execute_script("return [window.civicgrid_facilities, window.civicgrid_organisations]")
    members, _ = open_unit(driver, admin)
    driver.find_element(By.ID, "homeUnmask").click()
    assert wait(driver, "window.civicgridMembers && window.civicgridMembers.whole", 30), "the admin did not see them whole"
    whole = driver.execute_script("return window.civicgridMembers")["people"]
    assert all("*" not in p["name"] for p in whole), whole
    seen["whole"] = [p["name"] for p in whole]
    driver.save_screenshot(shot)
    print(json.dumps(seen, ensure_ascii=False))
except AssertionError as e:
    driver.save_screenshot(shot)
    print("FAILED:", e)
    sys.exit(1)
finally:
    driver.quit()
