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


# Every wait's bound is this many times what it names: the pages are driven against a debug
# server beside the rest of the suite, and on a loaded machine a step can take far longer (in a
# fresh-clone run with a build and a fuzzer beside it, the case panel's assignees took over
# 30 s). A bound is only reached when the page fails; a page that works answers as soon as the
# condition holds.
PATIENCE = 4


def wait(driver, script, seconds=30):
    """The value of a JavaScript expression once it is truthy (polled every 100 ms), or None
    after `seconds` × PATIENCE."""
    seconds *= PATIENCE
    before = driver.timeouts.script
    driver.set_script_timeout(max(before, seconds + 30))
    # The driver's HTTP read must outlast the script (else a wait that runs out is a
    # ReadTimeoutError that hides the failure's own message).
    config = driver.command_executor._client_config
    read = config.timeout
    config.timeout = max(read or 0, seconds + 90)
    try:
        return driver.execute_async_script("""
        const [script, seconds, done] = arguments, t0 = Date.now();
        const tick = () => { let v = null; try { v = eval(script); } catch (e) {}
            if (v || Date.now() - t0 > seconds * 1000) return done(v || null); setTimeout(tick, 100); };
        tick();
    """, script, seconds)
    finally:
        driver.set_script_timeout(before)
        config.timeout = read


def phone(lang="zh-CN", lon=None, lat=None):
    """Headless Chromium as a phone: 390×844 CSS pixels at device scale 3, touch, a mobile user
    agent, geolocation allowed (at lon/lat when given; move it with `locate`)."""
    d = driver(lang=lang, size=(390, 844))
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    d.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"})
    d.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"]})
    if lon is not None:
        locate(d, lon, lat)
    return d


def locate(d, lon, lat, accuracy=8):
    """The phone's position from now on."""
    d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": lat, "longitude": lon, "accuracy": accuracy})


def offline(d, off):
    """The network cut (or back)."""
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": off, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
