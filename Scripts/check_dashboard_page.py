"""The assessment dashboard on the command-centre page, in headless Chromium.

usage: check_dashboard_page.py BASE TOKEN PERIOD SCREENSHOT.png
  TOKEN: an admin's or a district dispatcher's; PERIOD: a month with cases.

Opens the page, opens the dashboard with the real mouse, and checks: the cards, the ranking
table of the streets with grades, every chart drawn (pixels on its canvas, data in it), the
map coloured by the indicator; a click on a street's row shows its communities' figures; a
click on a community on the map shows its grids'. Prints a JSON summary; exits 1 on the
first thing that is wrong.
"""
import json, sys
import chromium
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

base, token, period, shot = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
seen = {}


wait = chromium.wait


def rows(driver):
    return [tr.get_attribute("data-unit") for tr in driver.find_elements(By.CSS_SELECTOR, "#dRanking tbody tr")]


driver = chromium.driver()
try:
    driver.set_script_timeout(90)
    driver.get(f"{base}/map?token={token}")
    assert wait(driver, "window.civicgridIdle && document.getElementById('dashboardToggle').style.display === ''", 60), "no dashboard button"
    period_box = driver.find_element(By.ID, "dPeriod")
    driver.execute_script("arguments[0].value = arguments[1]", period_box, period)
    driver.find_element(By.ID, "dashboardToggle").click()
    assert wait(driver, "window.civicgridDashboardReady", 60), "the dashboard did not load"
    streets = rows(driver)
    assert len(streets) == 4 and all(len(s) == 9 for s in streets), streets
    grades = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#dRanking tbody td:nth-child(5)")]
    assert all(g in "ABCDE–" for g in grades) and any(g in "ABCDE" for g in grades), grades
    cards = driver.find_element(By.ID, "dCards").text
    assert "%" in cards and "结案率" in cards, cards
    # Every chart (the patrol coverage one comes last, from its own request): data in it and
    # pixels drawn on its canvas.
    assert wait(driver, "!!window.civicgridDashboard.charts.chCoverage", 60), "no patrol coverage chart"
    charts = driver.execute_script("""
        const out = {};
        for (const [id, c] of Object.entries(window.civicgridDashboard.charts)) { c.update();
            const total = c.data.datasets.reduce((a, d) => a + d.data.reduce((x, y) => x + (y || 0), 0), 0);
            const canvas = c.canvas, px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0; for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
            out[id] = [total, painted];
        }
        return out;""")
    for name in ["chTrend", "chCategory", "chSource", "chHour", "chStatus", "chHouseholds", "chBands", "chFloors", "chCoverage"]:
        assert name in charts and charts[name][0] > 0 and charts[name][1] > 500, (name, charts.get(name))
    seen["charts"] = {k: v[0] for k, v in charts.items()}
    coloured = wait(driver, "(() => { const f = window.map.queryRenderedFeatures({layers: ['assess-fill']}); return f.length ? f.length : null; })()")
    assert coloured, "the map is not coloured by the indicator"
    # A street's row: its communities.
    street = streets[0]
    driver.find_element(By.CSS_SELECTOR, f"#dRanking tbody tr[data-unit='{street}']").click()
    assert wait(driver, f"window.civicgridDashboardReady && [...document.querySelectorAll('#dRanking tbody tr')].every(tr => tr.dataset.unit.startsWith('{street}') && tr.dataset.unit.length === 12)", 60), rows(driver)
    communities = rows(driver)
    assert communities, "no communities"
    seen["street"], seen["communities"] = street, communities
    # A community on the map: its grids.
    driver.execute_script("window.civicgridIdle = false")
    point = wait(driver, """(() => { if (!window.civicgridIdle) return null;
        const f = window.map.queryRenderedFeatures({layers: ['assess-fill']})[0]; if (!f) return null;
        const r = document.getElementById('map').getBoundingClientRect();
        for (let y = 20; y < r.height; y += 15) for (let x = 20; x < r.width - 560; x += 15) {
            const hit = window.map.queryRenderedFeatures([x, y], {layers: ['assess-fill']})[0];
            // Not on a case or a staff member (a click there opens that instead).
            const other = window.map.queryRenderedFeatures([[x - 5, y - 5], [x + 5, y + 5]], {layers: ['cases', 'positions'].filter(l => window.map.getLayer(l))});
            if (hit && !other.length && document.elementFromPoint(r.left + x, r.top + y) === window.map.getCanvas()) return [x, y, hit.properties.code]; }
        return null; })()""", 60)
    assert point, "no coloured community to click"
    x, y, community = point
    canvas = driver.find_element(By.CSS_SELECTOR, "#map canvas")
    driver.execute_script("window.civicgridDashboardReady = false")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2).click().perform()
    assert wait(driver, f"window.civicgridDashboardReady && document.getElementById('dLevel').value === 'grid'", 60), "the map click did not drill down"
    grids = rows(driver)
    assert grids and all(g.startswith(community) for g in grids), (community, grids)
    seen["community"], seen["grids"] = community, len(grids)
    driver.save_screenshot(shot)
    print(json.dumps(seen))
except AssertionError as e:
    driver.save_screenshot(shot)
    print("FAILED:", e)
    sys.exit(1)
finally:
    driver.quit()
