"""The page of `rscript serve` in headless Chromium, driven by selenium (ServeBrowserTests).

  serve_browser.py live BASE_URL --render ID --job ID --sleeper ID --trigger FILE [--frames ID] --out DIR [--docs DIR]
      Opens the gallery, watches the live render's percent rise (no reload), opens the render,
      clicks its image at (0.8, 0.5) and waits for the plugin's answer (metadata lastClick and the
      region image), opens the jobs, creates FILE (the job waits for it before it logs) and
      follows the job's log as it grows, kills and retries another job with the page's buttons,
      opens a frame render, and stops the render with its button.
  serve_browser.py token BASE_URL --token TOKEN --render ID --out DIR
      Opens BASE_URL/#token=TOKEN as `rscript serve` prints it: the gallery, the render's
      thumbnail and image (<img>: the cookie), the event stream (?token=), the log (fetch: the
      header); then a fresh load without the token in the URL (the tab keeps it).
  serve_browser.py fill DB --renders N --jobs N --images DIR
      Writes N finished renders (each with its own 640x480 PNG in DIR) and N jobs straight into
      the gallery database DB (made by rscript: the tables exist), as many runs would have.
  serve_browser.py firstthumb BASE_URL --out DIR [--runs N]
      Page load to the first thumbnail's load event (the page records performance.now() then),
      in a fresh browser each run: the first run is cold (thumbnails made on demand), the rest
      warm. Also counts what the page fetched, to show it did not fetch every render, and opens
      the jobs table.

Prints one JSON object on stdout: what it saw, "error" (null when every step passed),
"consoleErrors" (every SEVERE browser log entry: any one fails the test) and the screenshots.
A missing selenium, chromium or chromedriver is an error naming the install command.
"""
import argparse
import json
import os
import re
import sys
import time
import traceback

INSTALL = ("sudo apt-get install -y chromium chromium-driver && python3 -m pip install selenium "
           "(tools/test.sh installs them)")

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
except ModuleNotFoundError as error:
    print(json.dumps({"error": f"selenium is not installed ({error}): {INSTALL}", "consoleErrors": []}))
    sys.exit(0)


def find_tool(names):
    for name in names:
        for folder in os.environ.get("PATH", "/usr/bin:/bin").split(":") + ["/usr/bin", "/usr/lib/chromium"]:
            path = os.path.join(folder, name)
            if os.access(path, os.X_OK):
                return path
    return None


def start_browser():
    chromium = find_tool(["chromium", "chromium-browser", "google-chrome"])
    driver_path = find_tool(["chromedriver"])
    if not chromium or not driver_path:
        raise RuntimeError(f"chromium or chromedriver is missing: {INSTALL}")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-extensions", "--no-first-run", "--disable-background-networking"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


class Session:
    def __init__(self, out, docs):
        self.driver = start_browser()
        self.out, self.docs = out, docs
        self.console = []
        self.screenshots = []

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, what, condition, timeout=30, interval=0.1):
        """Polls `condition` (returns a truthy value when done) for `timeout` seconds."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except Exception as error:  # the DOM changed under the query: try again
                last_error = error
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))

    def drain_console(self):
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console.append(entry.get("message"))

    def screenshot(self, name, docs=False):
        path = os.path.join(self.out, name)
        self.driver.save_screenshot(path)
        self.screenshots.append(path)
        if docs and self.docs:
            os.makedirs(self.docs, exist_ok=True)
            self.driver.save_screenshot(os.path.join(self.docs, name))

    def text(self, selector):
        return self.js("const n = document.querySelector(arguments[0]); return n ? n.textContent : null;", selector)

    def marked(self):
        """True while the page loaded first is still the one shown (no reload happened)."""
        return self.js("return window.__rscriptTestMarker === 'kept'") is True

    def quit(self):
        try:
            self.drain_console()
        finally:
            self.driver.quit()


def percent_of(text):
    m = re.match(r"\s*([\d.]+)%", text or "")
    return float(m.group(1)) if m else None


def forget(out, name):
    """A failure screenshot of an earlier run would mislead."""
    try:
        os.remove(os.path.join(out, name))
    except FileNotFoundError:
        pass


def live(args):
    seen = {"error": None, "steps": []}
    forget(args.out, "failure.png")
    session = Session(args.out, args.docs)
    try:
        run_live(session, args, seen)
    except Exception as error:
        seen["error"] = f"{type(error).__name__}: {error}"
        seen["traceback"] = traceback.format_exc()
        try:
            session.screenshot("failure.png")
        except Exception:
            pass
    finally:
        session.quit()
    seen["consoleErrors"] = session.console
    seen["screenshots"] = session.screenshots
    return seen


def run_live(s, args, seen):
    base = args.base.rstrip("/")
    step = seen["steps"].append
    s.driver.get(base + "/#/gallery")
    s.js("window.__rscriptTestMarker = 'kept'")
    card = f'.card[data-id="{args.render}"]'
    s.wait("the render's card in the gallery", lambda: s.text(card))
    s.wait("the event stream", lambda: s.text("#live") == "live", timeout=15)
    step("gallery")

    # The percent, as the card shows it, while the render renders: it must rise, from events.
    percents = []
    def risen():
        value = percent_of(s.text(card + " .percent"))
        if value is not None and (not percents or percents[-1] != value):
            percents.append(value)
        rising = [p for p in percents if 0 < p < 100]
        return len(rising) >= 2 and rising[-1] > rising[0]
    s.wait("the render's percent to rise in the gallery", risen, timeout=120, interval=0.05)
    seen["percents"] = percents
    seen["noReloadInGallery"] = s.marked()
    # A thumbnail (the preview pass) before the screenshot.
    s.wait("the render's thumbnail", lambda: s.js(
        "const i = document.querySelector(arguments[0]); return i && i.complete && i.naturalWidth > 0;", card + " img"), timeout=60)
    seen["cardState"] = s.js("return document.querySelector(arguments[0]).dataset.state", card)
    s.screenshot("gallery.png", docs=True)
    step("percent rose")

    # The render page, reached through the card's link (no reload).
    s.driver.find_element(By.CSS_SELECTOR, card).click()
    s.wait("the render page", lambda: s.js("return location.hash") == f"#/render/{args.render}")
    image = s.wait("the render's image", lambda: s.js(
        "const i = document.querySelector('img.large'); return i && i.complete && i.naturalWidth > 0 ? i : null;"), timeout=60)
    s.wait("the render to be live on its page", lambda: s.text(".toolbar .state") == "rendering", timeout=10)
    box = s.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", image)
    # Selenium's offsets are from the element's centre: (0.8, 0.5) of the displayed image.
    ActionChains(s.driver).move_to_element_with_offset(image, int(box[0] * 0.3), 0).click().perform()
    s.wait("the page to send the click", lambda: (s.text(".message") or "").startswith("Clicked at"), timeout=10)
    seen["clickMessage"] = s.text(".message")
    last_click = s.wait("the plugin's lastClick in the metadata table",
                        lambda: s.text('tr[data-key="lastClick"] td'), timeout=30)
    seen["lastClick"] = json.loads(last_click)
    s.wait("the clicked region's image in the image list",
           lambda: "region-1.png" in (s.text("ol.history") or ""), timeout=90)
    seen["images"] = s.js("return [...document.querySelectorAll('ol.history li')].map(li => li.title)")
    s.wait("the region image shown", lambda: s.js(
        "const i = document.querySelector('img.large'); return i && i.complete && i.naturalWidth > 0;"), timeout=30)
    seen["metadataKeys"] = s.js("return [...document.querySelectorAll('tr[data-key]')].map(tr => tr.dataset.key)")
    seen["renderLog"] = s.wait("the render's log", lambda: s.text("pre.log"), timeout=30)[-2000:]
    seen["noReloadOnRenderPage"] = s.marked()
    time.sleep(0.5)
    s.screenshot("render.png", docs=True)
    step("clicked")

    # Jobs: the list, then one job whose log grows while the page shows it.
    s.driver.find_element(By.CSS_SELECTOR, 'nav a[data-view="jobs"]').click()
    row = f'tr[data-id="{args.job}"]'
    s.wait("the job in the jobs table", lambda: s.text(row), timeout=30)
    s.wait("the sleeper job in the jobs table", lambda: s.text(f'tr[data-id="{args.sleeper}"]'), timeout=30)
    s.screenshot("jobs.png", docs=True)
    s.driver.find_element(By.CSS_SELECTOR, row + " a").click()
    with open(args.trigger, "w") as trigger:
        trigger.write("go\n")
    s.wait("the job page", lambda: s.js("return location.hash") == f"#/job/{args.job}")
    counts = []
    def grew():
        lines = [l for l in (s.text("pre.log") or "").splitlines() if l.startswith("log line ")]
        if lines and (not counts or counts[-1] != len(lines)):
            counts.append(len(lines))
        return len(counts) >= 2 and counts[-1] > counts[0]
    s.wait("the job's log to grow", grew, timeout=60)
    seen["jobLogCounts"] = counts
    s.wait("the job to complete", lambda: s.text(".toolbar .state") == "completed", timeout=60)
    seen["jobLog"] = s.text("pre.log")
    seen["jobState"] = s.text(".toolbar .state")
    seen["noReloadOnJobPage"] = s.marked()
    s.screenshot("job.png", docs=True)
    step("job log")

    # Kill, then retry, a running job with the page's buttons.
    s.driver.get(base + f"/#/job/{args.sleeper}")
    s.wait("the sleeper to run", lambda: s.text(".toolbar .state") == "active", timeout=30)
    s.driver.find_element(By.XPATH, "//button[text()='Kill']").click()
    s.wait("the sleeper KILLED", lambda: s.text(".toolbar .state") == "killed", timeout=30)
    seen["killed"] = s.text(".toolbar .state")
    s.wait("Retry enabled", lambda: s.js("return !document.evaluate(\"//button[text()='Retry']\", document, null, 9, null).singleNodeValue.disabled"), timeout=10)
    s.driver.find_element(By.XPATH, "//button[text()='Retry']").click()
    s.wait("the sleeper queued again", lambda: s.text(".toolbar .state") in ("queued", "active"), timeout=30)
    seen["retried"] = s.text(".toolbar .state")
    step("kill and retry")

    if args.frames:
        s.driver.get(base + "/#/frames")
        s.wait("the frame render in its table", lambda: s.text(f'tr[data-id="{args.frames}"]'), timeout=30)
        s.driver.get(base + f"/#/frames/{args.frames}")
        s.wait("the chunk strip", lambda: s.js("return document.querySelectorAll('.strip .chunk').length"), timeout=30)
        seen["chunks"] = s.js("return [...document.querySelectorAll('.strip .chunk')].map(c => c.className.replace('chunk ', ''))")
        s.wait("the contact sheet", lambda: s.js(
            "const i = document.querySelector('.sheet img'); return i && i.complete && i.naturalWidth > 0;"), timeout=60)
        seen["contactSheet"] = s.js("const i = document.querySelector('.sheet img'); return [i.naturalWidth, i.naturalHeight];")
        s.screenshot("frames.png", docs=True)
        s.driver.find_element(By.CSS_SELECTOR, ".strip .chunk").click()
        seen["chunkLog"] = (s.wait("the chunk's log", lambda: s.text("pre.log"), timeout=30) or "")[-300:]
        step("frames")

    # Stop the render with its button (unless it finished meanwhile).
    s.driver.get(base + f"/#/render/{args.render}")
    s.wait("the render page again", lambda: s.text(".toolbar .state"), timeout=30)
    if s.text(".toolbar .state") == "rendering":
        s.driver.find_element(By.XPATH, "//button[text()='Stop']").click()
    s.wait("the render to end", lambda: s.text(".toolbar .state") in ("stopped", "finished"), timeout=60)
    seen["endState"] = s.text(".toolbar .state")
    step("stopped")
    s.drain_console()


def first_thumbnail(args):
    seen = {"error": None, "runs": []}
    for run in range(args.runs):
        session = Session(args.out, None)
        try:
            session.driver.get(args.base.rstrip("/") + "/#/gallery")
            ms = session.wait("the first thumbnail", lambda: session.js("return window.rscriptFirstThumbnail"), timeout=120,
                              interval=0.01)
            time.sleep(1.0)  # let the lazy loads of the first screen settle before counting
            numbers = session.js("""
                const nav = performance.getEntriesByType('navigation')[0];
                const res = performance.getEntriesByType('resource');
                return {
                  domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
                  cards: document.querySelectorAll('.card').length,
                  count: document.querySelector('.count').textContent,
                  thumbnailsFetched: res.filter(r => r.name.includes('/thumbnail')).length,
                  listRequests: res.filter(r => r.name.includes('/api/v1/renders?')).map(r => r.name.split('?')[1]),
                  listMs: res.filter(r => r.name.includes('/api/v1/renders?')).map(r => Math.round(r.responseEnd - r.startTime))[0],
                  scriptsLoadedMs: Math.round(Math.max(...res.filter(r => r.name.includes('/app/')).map(r => r.responseEnd))),
                  firstThumbnailFetchMs: res.filter(r => r.name.includes('/thumbnail')).map(r => Math.round(r.responseEnd - r.startTime))[0],
                  cardsShownMs: performance.getEntriesByName('rscript-gallery-shown').map(m => Math.round(m.startTime))[0],
                  firstThumbnailArrivedMs: Math.round(Math.min(...res.filter(r => r.name.includes('/thumbnail')).map(r => r.responseEnd))),
                };""")
            numbers["firstThumbnailMs"] = round(ms, 1)
            seen["runs"].append(numbers)
            if run == 0:
                session.screenshot("gallery-1000.png")
        except Exception as error:
            seen["error"] = f"{type(error).__name__}: {error}"
            break
        finally:
            session.quit()
            seen.setdefault("consoleErrors", []).extend(session.console)
    if seen["error"]:
        return seen
    session = Session(args.out, None)
    try:
        session.driver.get(args.base.rstrip("/") + "/#/jobs")
        start = time.monotonic()
        session.wait("the first job row", lambda: session.js("return document.querySelectorAll('tbody tr').length"), timeout=60,
                     interval=0.01)
        seen["jobs"] = {
            "firstRowSeconds": round(time.monotonic() - start, 3),
            "rows": session.js("return document.querySelectorAll('tbody tr').length"),
            "count": session.text(".count"),
            "moreShown": session.js("return !document.querySelector('button.more').hidden"),
        }
        session.driver.find_element(By.CSS_SELECTOR, "button.more").click()
        session.wait("the second page of jobs", lambda: session.js("return document.querySelectorAll('tbody tr').length") > seen["jobs"]["rows"], timeout=60)
        seen["jobs"]["rowsAfterMore"] = session.js("return document.querySelectorAll('tbody tr').length")
    except Exception as error:
        seen["error"] = f"{type(error).__name__}: {error}"
    finally:
        session.quit()
        seen["consoleErrors"].extend(session.console)
    return seen


def token(args):
    seen = {"error": None}
    forget(args.out, "token-failure.png")
    s = Session(args.out, None)
    try:
        base = args.base.rstrip("/")
        s.driver.get(base + "/#token=" + args.token)
        card = f'.card[data-id="{args.render}"]'
        s.wait("the render's card", lambda: s.text(card))
        seen["addressBar"] = s.js("return location.href")
        s.wait("the thumbnail", lambda: s.js(
            "const i = document.querySelector(arguments[0]); return i && i.complete && i.naturalWidth > 0;", card + " img"), timeout=60)
        s.wait("the event stream", lambda: s.text("#live") == "live", timeout=15)
        s.driver.get(base + f"/#/render/{args.render}")
        s.wait("the image", lambda: s.js(
            "const i = document.querySelector('img.large'); return i && i.complete && i.naturalWidth > 0;"), timeout=60)
        seen["log"] = (s.wait("the log", lambda: s.text("pre.log"), timeout=30) or "")[-500:]
        s.driver.get(base + "/")
        s.driver.refresh()
        s.wait("the gallery after a reload without the token in the URL", lambda: s.text(card), timeout=30)
        s.wait("the event stream after the reload", lambda: s.text("#live") == "live", timeout=15)
        seen["reloaded"] = True
        s.screenshot("token.png")
    except Exception as error:
        seen["error"] = f"{type(error).__name__}: {error}"
        try:
            s.screenshot("token-failure.png")
        except Exception:
            pass
    finally:
        s.quit()
    seen["consoleErrors"] = s.console
    return seen


def png(width, height, seed):
    """A PNG of a gradient that differs per seed (zlib and struct only: no imaging library)."""
    import struct
    import zlib
    r, g, b = (seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256
    rows = []
    for y in range(height):
        shade = y * 255 // max(1, height - 1)
        rows.append(b"\0" + bytes(((r + shade) % 256, g, (b + shade // 2) % 256)) * width)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 1)) + chunk(b"IEND", b""))


def fill(args):
    """Rows as Sources/RenderAutomation/Gallery/GallerySchema.swift and Jobs/JobSchema.swift define them."""
    import sqlite3
    os.makedirs(args.images, exist_ok=True)
    db = sqlite3.connect(args.base, timeout=30)
    now = time.time()
    with db:
        for i in range(args.renders):
            folder = os.path.join(args.images, f"r{i:05d}")
            os.makedirs(folder, exist_ok=True)
            image = os.path.join(folder, "image.png")
            with open(image, "wb") as f:
                f.write(png(640, 480, i))
            started = now - (args.renders - i) * 60
            cursor = db.execute(
                "INSERT INTO renders (label, renderer, scene, options, state, startedAt, endedAt, updatedAt, workDir, changeCount)"
                " VALUES (?, 'POV-Ray', ?, '{}', 'finished', ?, ?, ?, ?, 1)",
                (f"shot{i:04d}", f"/shows/demo/shot{i:04d}.pov", started, started + 42, started + 42, folder))
            render = cursor.lastrowid
            db.execute("INSERT INTO render_images (renderId, path, time) VALUES (?, ?, ?)", (render, image, started + 42))
            for key, value in (("percentDone", 100), ("peakMemory", 50_000_000 + i * 1000), ("totalClockTime", 42.0)):
                db.execute("INSERT INTO render_metadata (renderId, key, value) VALUES (?, ?, ?)", (render, key, json.dumps(value)))
        for i in range(args.jobs):
            created = now - (args.jobs - i) * 5
            db.execute(
                "INSERT INTO jobs (name, script, passedData, maxAttempts, state, attempts, progress, createdAt, startedAt, endedAt, updatedAt)"
                " VALUES (?, '/shows/demo/bake.lua', '{}', 1, 'COMPLETED', 1, 1, ?, ?, ?, ?)",
                (f"bake{i:05d}", created, created, created + 3, created + 3))
    db.close()
    return {"error": None, "renders": args.renders, "jobs": args.jobs}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["live", "firstthumb", "fill", "token"])
    parser.add_argument("--token")
    parser.add_argument("base")
    parser.add_argument("--render", type=int)
    parser.add_argument("--job", type=int)
    parser.add_argument("--sleeper", type=int)
    parser.add_argument("--frames", type=int)
    parser.add_argument("--trigger")
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--images")
    parser.add_argument("--out")
    parser.add_argument("--docs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.mode == "fill":
        print(json.dumps(fill(args)))
        return
    os.makedirs(args.out, exist_ok=True)
    try:
        seen = {"live": live, "firstthumb": first_thumbnail, "token": token}[args.mode](args)
    except Exception as error:  # the browser did not start
        seen = {"error": f"{type(error).__name__}: {error}", "consoleErrors": []}
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
