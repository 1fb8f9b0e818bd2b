"""The cases on the command-centre page, in headless Chromium, signed in as a dispatcher.

usage: check_cases_page.py BASE TOKEN LON LAT SCREENSHOT.png
  TOKEN: a dispatcher's; LON LAT: a point inside a published grid.

Files two cases over the API, opens the page, and checks with the real mouse and keyboard:
the queue lists them and the map draws them; a case's panel shows its timeline and the
steps the dispatcher may take; the "file" button files it (the server's history says so); a
case reported meanwhile arrives through the live feed as an alert; the heat map turns on;
the hotline form files a case where the map is clicked. Prints a JSON summary; exits 1 on the
first thing that is wrong.
"""
import json, sys, time
import requests
import chromium
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

base, token, lon, lat, shot = sys.argv[1].rstrip("/"), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
auth = {"Authorization": f"Bearer {token}"}
seen = {}


def report(description):
    r = requests.post(f"{base}/api/v1/cases", headers=auth, json={"category": "0101", "description": description, "lon": lon, "lat": lat})
    assert r.status_code == 201, (r.status_code, r.text)
    return r.json()["number"]


wait = chromium.wait


first, second = report("rubbish by the east gate"), report("overflowing bin at the corner")
driver = chromium.driver()
try:
    driver.set_script_timeout(90)
    driver.get(f"{base}/map?token={token}#16/{lat}/{lon}")
    assert wait(driver, "window.civicgridCasesLoaded && window.civicgridCaseFeed && window.civicgridIdle", 60), "the cases did not load"
    driver.find_element(By.ID, "casesToggle").click()
    listed = [li.get_attribute("data-number") for li in driver.find_elements(By.CSS_SELECTOR, "#caseList li")]
    assert first in listed and second in listed, listed
    drawn = wait(driver, "(() => { const n = window.map.queryRenderedFeatures({layers: ['cases']}).map(f => f.properties.number); return n.length ? n : null; })()")
    assert drawn and first in drawn, drawn
    seen["queue"], seen["drawn"] = len(listed), len(set(drawn))

    driver.find_element(By.CSS_SELECTOR, f'#caseList li[data-number="{first}"]').click()
    assert wait(driver, f"document.getElementById('cTitle').dataset.number === '{first}' && document.querySelectorAll('#caseActions button').length > 0")
    buttons = [b.get_attribute("data-action") for b in driver.find_elements(By.CSS_SELECTOR, "#caseActions button")]
    assert buttons == ["file", "void"], buttons
    assert len(driver.find_elements(By.CSS_SELECTOR, "#timeline li")) == 1
    driver.find_element(By.ID, "cNote").send_keys("filed from the page")
    driver.find_element(By.CSS_SELECTOR, '#caseActions button[data-action="file"]').click()
    assert wait(driver, "document.getElementById('cTitle').dataset.status === 'filed' && document.querySelectorAll('#timeline li').length === 2")
    history = requests.get(f"{base}/api/v1/cases/{first}", headers=auth).json()["history"]
    assert [h["action"] for h in history] == ["report", "file"] and history[1]["note"] == "filed from the page", history
    seen["filed"] = first

    # The live feed: a case reported elsewhere shows up as an alert and on the map.
    third = report("smoke from a chimney")
    alert = wait(driver, f"(d => d && [d.dataset.kind, d.textContent])([...document.querySelectorAll('#alerts div')].find(d => d.dataset.number === '{third}'))")
    assert alert and alert[0] == "new" and "新案件" in alert[1], alert
    assert wait(driver, f"window.map.querySourceFeatures('cases').some(f => f.properties.number === '{third}')")
    seen["live"] = alert

    driver.find_element(By.ID, "cHeat").click()
    assert driver.execute_script("return window.map.getLayoutProperty('cases-heat', 'visibility')") == "visible"
    heat = wait(driver, "(() => { const f = window.map.querySourceFeatures('case-tiles', {sourceLayer: 'cases'}); return f.length ? f.length : null; })()")
    assert heat, "the heat map's case tiles did not load"
    seen["heat_tiles_features"] = heat

    # The hotline: the dispatcher places a caller's case by clicking the map.
    driver.find_element(By.ID, "cNew").click()
    canvas = driver.find_element(By.CSS_SELECTOR, "#map canvas")
    ActionChains(driver).move_to_element_with_offset(canvas, 5, 5).click().perform()
    assert wait(driver, "document.getElementById('nWhere').textContent !== '—'")
    driver.find_element(By.ID, "nDescription").send_keys("caller: broken street lamp")
    driver.find_element(By.ID, "nName").send_keys("张三")
    driver.find_element(By.ID, "nSubmit").click()
    number = wait(driver, "(n => n && n !== '" + first + "' && n)(document.getElementById('cTitle').dataset.number)")
    assert number, driver.find_element(By.ID, "cMessage").text
    made = requests.get(f"{base}/api/v1/cases/{number}", headers=auth).json()
    assert made["source"] == "hotline" and made["description"] == "caller: broken street lamp" and made["reporter"]["name"] == "张三", made
    seen["hotline"] = number
    driver.save_screenshot(shot)
    seen["screenshot"] = shot
    print(json.dumps(seen, ensure_ascii=False))
finally:
    driver.quit()
