"""Headless Chromium for the page checks (Debian's chromium and chromium-driver; WebGL
through SwiftShader)."""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def driver():
    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader",
              "--enable-unsafe-swiftshader", "--window-size=1280,900", "--ignore-gpu-blocklist"]:
        options.add_argument(a)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, script, seconds=30):
    """The value of a JavaScript expression once it is truthy (polled every 100 ms), or None after `seconds`."""
    return driver.execute_async_script("""
        const [script, seconds, done] = arguments, t0 = Date.now();
        const tick = () => { let v = null; try { v = eval(script); } catch (e) {}
            if (v || Date.now() - t0 > seconds * 1000) return done(v || null); setTimeout(tick, 100); };
        tick();
    """, script, seconds)
