"""Headless Chromium for the page checks (Debian's chromium and chromium-driver; WebGL
through SwiftShader)."""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def driver(lang=None, size=(1280, 900)):
    """Headless Chromium; `lang` as the browser's language (zh-CN for the page checks)."""
    options = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader",
              "--enable-unsafe-swiftshader", f"--window-size={size[0]},{size[1]}", "--ignore-gpu-blocklist"]:
        options.add_argument(a)
    if lang:
        options.add_argument(f"--lang={lang}")
        options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # The page's own size, whatever the window's frame takes.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})
    return d


def wait(driver, script, seconds=30):
    """The value of a JavaScript expression once it is truthy (polled every 100 ms), or None after `seconds`."""
    return driver.execute_async_script("""
        const [script, seconds, done] = arguments, t0 = Date.now();
        const tick = () => { let v = null; try { v = eval(script); } catch (e) {}
            if (v || Date.now() - t0 > seconds * 1000) return done(v || null); setTimeout(tick, 100); };
        tick();
    """, script, seconds)
