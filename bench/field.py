"""make bench (field): a librarian's phone on a weak link, in Debian's Chromium
against gunicorn as `make run` serves it (2 gthread workers, the demo province).

  first_visit_wire_kb      bytes on the wire (headers and bodies as sent, compressed)
                           from the login page through logging in to the tally page,
                           with an empty cache
  repeat_nav_requests      requests that go to the network for a second page (the
                           summary) once the first has filled the cache
  slow3g_tap_to_screen_ms  Slow 3G (2 s latency, 50 KB/s) and a 4x slower CPU: from a
                           tap to its new count on screen (median of 5 taps)
  slow3g_tally_load_ms     the same link: the tally page's load event, warm cache
Prints `name value unit` lines and adds them to bench/results.json under "field".
"""
import os
import statistics

from load import Server
from setup import demo_app, save

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50 * 1024, "uploadThroughput": 50 * 1024}
TAPS = 5

# Resolves when the tapped cell's count changes on screen (the next frame after
# the change is painted): what the librarian sees, whatever code changes it.
TAP = """async (cell) => {
    const id = 'n-' + cell.replace(':', '-'), shown = () => document.getElementById(id).textContent;
    const before = shown(), start = performance.now();
    const changed = new Promise(resolve => new MutationObserver((_, o) => {  // the count may be swapped whole
        if (shown() !== before) { o.disconnect(); requestAnimationFrame(() => resolve()); }
    }).observe(document.querySelector('form.tally'), {childList: true, characterData: true, subtree: true}));
    document.querySelector(`button.tap[value='${cell}']`).click();
    await changed;
    return performance.now() - start;
}"""


class Wire:
    """Requests and bytes on the wire of a page, from the browser's own network log (CDP)."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.requests = set()
        self.cdp.on("Network.loadingFinished", lambda e: self._finished(e))
        self.cdp.on("Network.requestWillBeSent", lambda e: self.requests.add(e["requestId"]))
        self.cdp.on("Network.requestServedFromCache", lambda e: self.requests.discard(e["requestId"]))
        self.cdp.on("Network.responseReceived",
                    lambda e: e["response"].get("fromDiskCache") and self.requests.discard(e["requestId"]))

    def _finished(self, event):
        self.bytes += event["encodedDataLength"]

    def reset(self):
        self.bytes, self.requests = 0, set()


def main():
    from playwright.sync_api import sync_playwright

    demo_app()  # the database the server below opens (DATABASE_URL in the environment)
    from app.demo import DEMO_PASSWORD

    server = Server(int(os.environ.get("BENCH_FIELD_PORT", "8767")))
    base = f"http://127.0.0.1:{server.port}"
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base, locale="vi-VN")
            page = context.new_page()
            wire = Wire(page)
            page.goto("/login")
            page.fill("input[name=username]", "librarian1")
            page.fill("input[name=password]", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("form button[type=submit]")
            page.goto("/tally")
            page.wait_for_selector("form.tally")
            page.wait_for_load_state("networkidle")
            results["first_visit_wire_kb"] = round(wire.bytes / 1024, 1)
            summary = page.url.replace("/tally", "/summary")
            wire.reset()
            page.goto(summary)
            page.wait_for_load_state("networkidle")
            results["repeat_nav_requests"] = len(wire.requests)

            wire.cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            wire.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            tally = summary.replace("/summary", "/tally")
            page.goto(tally)
            page.wait_for_load_state("networkidle")
            loads = []
            for _ in range(3):
                page.reload(wait_until="load")
                loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            results["slow3g_tally_load_ms"] = round(statistics.median(loads))
            taps = [page.evaluate(TAP, "reading:children") for _ in range(TAPS)]
            results["slow3g_tap_to_screen_ms"] = round(statistics.median(taps))
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.stop()
    save("field", results)


if __name__ == "__main__":
    main()
