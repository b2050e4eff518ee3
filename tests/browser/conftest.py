"""Browser fixtures: the test's app served on a free local port, and Debian's
Chromium driven by Playwright (never `playwright install`: there may be no
internet).

Without /usr/bin/chromium the browser tests are skipped, unless CI=true, where
they fail: CI must never skip them silently.
"""
import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def menu_link(page, href: str):
    """The main menu's link to `href`. On a phone the menu is folded behind a <details>: open it first."""
    summary = page.locator("header details.menu > summary")
    if summary.is_visible() and page.locator("header details.menu[open]").count() == 0:
        summary.click()
    return page.locator(f"header nav a[href='{href}']")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run, not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt pins it
        _unavailable("playwright is not installed: pip install -r requirements-dev.txt")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test's `app` (its database, its `world`) served by werkzeug in a
    thread; Flask pushes an app context per request in that thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Problems(list):
    """Console errors and uncaught page errors (CSP violations are console errors)."""

    def watch(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.append(f"pageerror: {err}"))
        return page

    def _console(self, msg):
        if msg.type == "error":
            url = (msg.location or {}).get("url", "")
            self.append(f"console.error: {msg.text}" + (f" ({url})" if url else ""))


@pytest.fixture
def make_page(browser, live_server):
    """make_page(javascript=True, viewport=PHONE) -> (page, problems).

    Depends on live_server so every context is closed before the server stops."""
    contexts = []

    def _make(javascript=True, viewport=PHONE):
        context = browser.new_context(
            java_script_enabled=javascript, viewport=viewport, base_url=live_server.url, locale="vi-VN",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        problems = Problems()
        page = problems.watch(context.new_page())
        return page, problems

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture
def page_and_problems(make_page):
    return make_page()
