"""The command-centre page in Chinese, in headless Chromium (--lang=zh-CN, 1600×1000), as a
dispatcher would see it.

usage: check_page_language.py BASE TOKEN LON LAT SHOTDIR [STAFF STAFF_TOKEN DEVICE DEVICE_TOKEN PHONE]
  TOKEN: an admin's; LON LAT: inside a community; SHOTDIR: where the views' screenshots go;
  STAFF: a grid staff member of the grid at LON LAT, carrying DEVICE, with work phone PHONE.

Also the dispatcher's tools: the whole list reached page by page (as many as counted), ten
filed cases selected and dispatched at once, each on its route; with STAFF, a handled case's
check assigned to them from the panel (listed first, as the staff of its grid, with their
distance from the device's fix), then in their queue, and their position's popup naming them
with their phone, and the admin's sign-in link for the member's phone (a QR code whose code
signs in once). For each main view — the
map, the case list and a case's panel, dispatch, bulk steps, the dashboard, the planner, a
building's popup in 3D, the monthly report (also printed to A4 as a PDF) — walks the visible text nodes of the page and lists every
Latin word of two letters or more that is the page's own text (codes shown in grey, stored
free text such as descriptions and notes, and the language switch itself are not). Then
checks that community names are painted on the map: the pixels of a screenshot with the
label layers and without them differ in the labels' colour. Prints a JSON summary; exits 1
when an English word is found, no label is painted, or axe-core finds a serious or critical
violation on the map, the case panel or the dashboard.
"""
import base64, io, json, os, re, sys, time
import chromium
import requests
from axe_selenium_python import Axe
from PIL import Image, ImageChops
from selenium.webdriver.common.by import By

base, token, lon, lat, shots = sys.argv[1].rstrip("/"), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
wait = chromium.wait
seen = {"english": {}}
ALLOWED = {"CivicGrid", "Open311", "CSV", "km"}

WALK = r"""
const out = [];
const skip = el => el.closest('.code, .data, #language, .maplibregl-ctrl-attrib, script, style, [hidden]');
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!el || skip(el) || !n.textContent.trim()) continue;
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0 || !el.checkVisibility()) continue;
  for (const w of n.textContent.match(/[A-Za-z][A-Za-z0-9]+/g) || []) out.push(w);
}
for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
  if (el.checkVisibility()) for (const w of el.placeholder.match(/[A-Za-z][A-Za-z0-9]+/g) || []) out.push(w);
for (const o of document.querySelectorAll('select')) if (o.checkVisibility())
  for (const opt of o.options) if (!opt.closest('.code')) for (const w of opt.textContent.replace(/（[^）]*）/g, '').match(/[A-Za-z][A-Za-z0-9]+/g) || []) out.push(w);
return out;
"""


def english(view):
    words = [w for w in driver.execute_script(WALK) if w not in ALLOWED]
    if words:
        seen["english"][view] = sorted(set(words))
    driver.save_screenshot(f"{shots}/{view}.png")


def accessible(view):
    """axe-core's serious and critical violations in the view, by rule and target."""
    axe = Axe(driver)
    axe.inject()
    found = [v for v in axe.run()["violations"] if v.get("impact") in ("serious", "critical")]
    if found:
        seen.setdefault("axe", {})[view] = [[v["id"], [n["target"] for n in v["nodes"][:3]]] for v in found]


def shot():
    return Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")


driver = chromium.driver(lang="zh-CN", size=(1600, 1000))
try:
    driver.set_script_timeout(120)
    driver.get(f"{base}/map?token={token}#13.6/{lat}/{lon}")
    assert wait(driver, "window.civicgridIdle && window.civicgridCasesLoaded", 90), "the page did not load"
    assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
    time.sleep(1)
    english("map")
    accessible("map")

    # On a phone's width the header wraps: every control still on the screen.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    time.sleep(1)
    seen["phone_controls_off_screen"] = driver.execute_script("""return [...document.querySelectorAll('header button, header select')]
        .filter(e => e.checkVisibility()).filter(e => { const r = e.getBoundingClientRect(); return r.right > innerWidth + 1 || r.bottom > innerHeight || r.width === 0; })
        .map(e => e.id)""")
    driver.save_screenshot(f"{shots}/map-phone.png")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1600, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    time.sleep(1)
    assert not seen["phone_controls_off_screen"], seen["phone_controls_off_screen"]

    # Names on the map: community labels painted (their purple differs between the two shots).
    labels = ["districts-label", "streets-label", "communities-label", "grids-label", "roads-label"]
    assert wait(driver, "window.map.queryRenderedFeatures({layers: ['communities-label']}).length", 30), "no community label rendered"
    seen["community_labels"] = driver.execute_script("return [...new Set(window.map.queryRenderedFeatures({layers: ['communities-label']}).map(f => f.properties.name))]")
    with_labels = shot()
    driver.execute_script("for (const l of arguments[0]) window.map.setLayoutProperty(l, 'visibility', 'none'); window.civicgridIdle = false;", labels)
    assert wait(driver, "window.civicgridIdle", 30)
    time.sleep(0.5)
    without = shot()
    difference = ImageChops.difference(with_labels, without).convert("L").point(lambda v: 255 if v > 40 else 0)
    seen["label_pixels"] = difference.histogram()[255]
    driver.execute_script("for (const l of arguments[0]) window.map.setLayoutProperty(l, 'visibility', 'visible');", labels)

    # The case list and a case's panel.
    driver.find_element(By.ID, "casesToggle").click()
    assert wait(driver, "document.querySelectorAll('#caseList li').length", 30), "no case listed"
    driver.find_element(By.CSS_SELECTOR, "#caseList li").click()
    assert wait(driver, "document.getElementById('cTitle').dataset.number", 30)
    english("cases")
    accessible("cases")
    # Dispatch: a filed case's targets, its route preselected.
    filed = driver.execute_script("return [...window.civicgridCases.list.values()].find(c => c.status === 'filed')?.number")
    if filed:
        driver.execute_script("window.civicgridCases.open(arguments[0])", filed)
        assert wait(driver, f"document.getElementById('cTitle').dataset.number === '{filed}' && document.getElementById('cTarget').options.length", 30)
        seen["dispatch_preselected"] = driver.execute_script("return document.getElementById('cTarget').selectedOptions[0]?.textContent")
        english("dispatch")

    # Every case reachable: the whole jurisdiction's list, page after page, as many as counted.
    driver.find_element(By.ID, "cQueue").click()
    assert wait(driver, "window.civicgridCases.matched > 500 && window.civicgridCases.list.size === 500", 60), "the first page"
    while driver.execute_script("return !!window.civicgridCases.next"):
        size = driver.execute_script("return window.civicgridCases.list.size")
        driver.find_element(By.ID, "cMore").click()
        assert wait(driver, f"window.civicgridCases.list.size > {size}", 60), "the next page"
    seen["listed"] = driver.execute_script("return [window.civicgridCases.list.size, window.civicgridCases.matched]")
    assert seen["listed"][0] == seen["listed"][1], seen["listed"]

    # Ten filed cases dispatched at once, each on its route.
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    made = []
    for i in range(10):
        r = requests.post(f"{base}/api/v1/cases", headers=headers, json={"category": "0107", "description": f"烟囱冒黑烟 {i}", "lon": lon + i * 1e-4, "lat": lat, "source": "hotline"})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        r = requests.post(f"{base}/api/v1/cases/{number}/actions", headers={**headers, "If-Match": r.headers["ETag"]}, json={"action": "file"})
        assert r.status_code == 200, r.text
        made.append(number)
    # A filed case's panel: its neighbours of the same kind, the warning for a department off
    # its category, the classifier's suggestions for recategorising.
    driver.execute_script("window.civicgridCases.open(arguments[0])", made[0])
    assert wait(driver, f"document.getElementById('cTitle').dataset.number === '{made[0]}' && document.querySelectorAll('#cDuplicates a').length", 30), "no possible duplicate shown"
    seen["duplicates_shown"] = driver.execute_script("return document.querySelectorAll('#cDuplicates a').length")
    seen["suggestions"] = driver.execute_script("return document.querySelectorAll('#cNewCategory optgroup:first-child option').length")
    driver.execute_script("""const t = document.getElementById('cTarget'), d = [...t.options].find(o => o.value === 'department:D-FIRE');
        t.value = d.value; t.dispatchEvent(new Event('change'));""")
    seen["off_route_warning"] = driver.execute_script("return document.getElementById('cWarn').textContent")
    assert seen["duplicates_shown"] >= 1 and seen["suggestions"] >= 1 and "不负责" in seen["off_route_warning"], seen
    driver.execute_script("document.getElementById('cStatus').value = 'filed'; document.getElementById('cStatus').dispatchEvent(new Event('change'))")
    assert wait(driver, "(ns => ns.every(n => document.querySelector(`#caseList li[data-number='${n}'] input`)))(arguments[0])".replace("arguments[0]", json.dumps(made)), 60), "the filed cases are not listed"
    # Ticked as a person would (the live feed redraws the list meanwhile: each found and ticked at once).
    for number in made:
        assert wait(driver, f"(b => b && (b.checked || b.click() || true))(document.querySelector(\"#caseList li[data-number='{number}'] input\"))", 30)
    assert wait(driver, "window.civicgridCases.selected.size === 10", 10), driver.execute_script("return [...window.civicgridCases.selected]")
    driver.execute_script("document.getElementById('bulkAction').value = 'dispatch'")
    english("bulk")
    driver.find_element(By.ID, "bulkGo").click()
    bulk = wait(driver, "window.civicgridBulk", 90)
    seen["bulk"] = bulk
    assert bulk and bulk["done"] == 10 and not bulk["refused"], bulk
    for number in made:
        c = requests.get(f"{base}/api/v1/cases/{number}", headers=headers).json()
        assert c["status"] == "dispatched" and c["holder"].get("department") == c["route"]["department"], c

    if len(sys.argv) > 10:
        staff, staff_token, device, device_token, phone = sys.argv[6:11]
        # The staff member's phone reports a fix 50 m north of the place; a resident's report there.
        fix = [lon, lat + 0.00045]
        r = requests.get(f"{base}/osmand", params={"id": device, "lat": fix[1], "lon": fix[0], "timestamp": int(time.time()), "token": device_token})
        assert r.status_code == 200, r.text
        assert wait(driver, f"[...window.civicgridPositions.values()].some(f => f.properties.member_name === {json.dumps(staff)})", 30), "no position of the staff member"
        # A case there, taken up to handled (its check next).
        r = requests.post(f"{base}/api/v1/cases", headers=headers, json={"category": "0101", "description": "路边暴露垃圾", "lon": lon, "lat": lat, "source": "hotline"})
        assert r.status_code == 201, r.text
        number, etag = r.json()["number"], r.headers["ETag"]
        for step in [{"action": "file"}, {"action": "dispatch"}, {"action": "accept"}, {"action": "handle", "note": "已清运"}]:
            r = requests.post(f"{base}/api/v1/cases/{number}/actions", headers={**headers, "If-Match": etag}, json=step)
            assert r.status_code == 200, r.text
            etag = r.headers["ETag"]
        assert r.json()["status"] == "handled", r.text
        driver.execute_script("window.civicgridCases.open(arguments[0])", number)
        assert wait(driver, f"document.getElementById('cTitle').dataset.number === '{number}' && document.getElementById('cAssignee').options.length", 30), "no one to assign"
        first = driver.execute_script("const o = document.getElementById('cAssignee').options[0]; return [o.value, o.textContent]")
        seen["assignee_offered"] = first[1]
        assert first[0] == staff and "本网格" in first[1] and "米" in first[1], first
        english("assign")
        driver.find_element(By.CSS_SELECTOR, "#caseActions button[data-action=assign]").click()
        assert wait(driver, f"document.getElementById('cFacts').textContent.includes({json.dumps(staff)})", 30), "the assignee is not shown"
        c = requests.get(f"{base}/api/v1/cases/{number}", headers=headers).json()
        assert c["assignee"] == staff and c["status"] == "handled" and c["history"][-1]["action"] == "assign", c
        queue = requests.get(f"{base}/api/v1/cases", params={"queue": "mine"}, headers={"Authorization": f"Bearer {staff_token}"}).json()
        seen["staff_queue"] = [q["number"] for q in queue["cases"]]
        assert number in seen["staff_queue"], queue
        # The staff member's dot: their name and (to an admin) their phone whole.
        driver.execute_script("window.map.jumpTo({center: arguments[0], zoom: 18}); window.civicgridIdle = false;", fix)
        assert wait(driver, "window.civicgridIdle", 30)
        driver.execute_script("const ll = new maplibregl.LngLat(...arguments[0]); window.map.fire('click', {point: window.map.project(ll), lngLat: ll});", fix)
        assert wait(driver, "document.querySelector('.maplibregl-popup-content')?.textContent", 30), "no popup"
        seen["staff_popup"] = driver.execute_script("return document.querySelector('.maplibregl-popup-content').textContent")
        assert staff in seen["staff_popup"] and phone in seen["staff_popup"], seen["staff_popup"]
        english("staff-popup")
        # The admin's sign-in link for the member's phone: a QR code, and a code that works once.
        driver.find_element(By.ID, "linksToggle").click()
        assert wait(driver, f"[...document.getElementById('lStaff').options].some(o => o.value === {json.dumps(staff)})", 30), "no staff to sign in"
        driver.execute_script("document.getElementById('lStaff').value = arguments[0]", staff)
        driver.find_element(By.ID, "lMake").click()
        link = wait(driver, "window.civicgridLink", 30)
        assert link and "/m/#login=" in link["url"] and driver.execute_script("return !!document.querySelector('#lQR svg path')"), link
        english("sign-in-link")
        r = requests.post(f"{base}/api/v1/login", json={"code": link["url"].split("=", 1)[1]})
        seen["sign_in_link"] = r.status_code
        assert r.status_code == 200 and r.json()["name"] == staff, r.text
        driver.find_element(By.ID, "linksToggle").click()
        driver.execute_script("""document.querySelectorAll('.maplibregl-popup').forEach(p => p.remove());
            window.map.jumpTo({center: [arguments[0], arguments[1]], zoom: 13.6}); window.civicgridIdle = false;""", lon, lat)
        assert wait(driver, "window.civicgridIdle", 30)
    driver.find_element(By.ID, "casesToggle").click()

    # The dashboard.
    driver.find_element(By.ID, "dashboardToggle").click()
    assert wait(driver, "window.civicgridDashboardReady && document.querySelectorAll('#dRanking tbody tr').length", 90), "the dashboard did not load"
    english("dashboard")
    accessible("dashboard")
    driver.find_element(By.ID, "dashboardToggle").click()

    # The planner.
    driver.find_element(By.ID, "plannerToggle").click()
    driver.execute_script("window.civicgridIdle = false")
    driver.find_element(By.ID, "pOpen").click()
    assert wait(driver, "window.civicgridPlanner.plan && window.civicgridIdle", 60), "no plan opened"
    english("planner")
    driver.find_element(By.ID, "plannerToggle").click()

    # 3D: a building's popup with its floors and households.
    driver.execute_script("window.civicgridHomes.toggle(); window.map.jumpTo({center: [arguments[0], arguments[1]], zoom: 17.5}); window.civicgridIdle = false;", lon, lat)
    assert wait(driver, "window.civicgridIdle && window.map.queryRenderedFeatures({layers: ['buildings-3d']}).length", 60), "no building in 3D"
    driver.execute_script("""
        const f = window.map.queryRenderedFeatures({layers: ['buildings-3d']}).find(f => f.properties.households > 0) || window.map.queryRenderedFeatures({layers: ['buildings-3d']})[0];
        const box = document.createElement('div'); box.append(window.civicgridHomes.button(f.id));
        new maplibregl.Popup({maxWidth: '460px'}).setLngLat(window.map.getCenter()).setDOMContent(box).addTo(window.map);
        box.querySelector('button').click();""")
    assert wait(driver, "window.civicgridBuildingOpen", 30), "the building's households did not open"
    english("units-3d")


    # The monthly report: Chinese, the ranking filled, printed to A4 pages.
    driver.get(f"{base}/web/report.html?period=2026-11&level=street")
    assert wait(driver, "window.civicgridReportReady", 60), "the report did not load"
    seen["report_rows"] = driver.execute_script("return document.querySelectorAll('#ranking tbody tr').length")
    english("report")
    from selenium.webdriver.common.print_page_options import PrintOptions
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = base64.b64decode(driver.print_page(options))
    with open(f"{shots}/report.pdf", "wb") as out:
        out.write(pdf)
    seen["report_pages"] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert seen["report_rows"] >= 4 and seen["report_pages"] >= 1 and pdf.startswith(b"%PDF"), seen
finally:
    driver.quit()
seen["views"] = sorted(f[:-4] for f in os.listdir(shots) if f.endswith(".png"))
seen["ok"] = not seen["english"] and not seen.get("axe") and seen.get("label_pixels", 0) > 150
print(json.dumps(seen, ensure_ascii=False))
sys.exit(0 if seen["ok"] else 1)
