"""Logging in and out in a real browser (headless Chromium), on a 360 px phone
screen first. Only names from the test data ("Xã A", "Người Thử") are asserted
as text: the translations may not be compiled."""
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import PASSWORD

FULL_NAME = "Người Thử"  # tests.factories.make_user's default full name


def path_of(url: str) -> str:
    return urlsplit(url).path


def is_path(path: str):
    return lambda url: path_of(url) == path


def submit_login(page, username, password=PASSWORD):
    form = page.locator("main form")
    form.locator("#username").fill(username)
    form.locator("#password").fill(password)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    return navigation.value


def log_in(page, username, password=PASSWORD):
    """From / (redirected to the login page) to the home page."""
    page.goto("/")
    page.wait_for_url(is_path("/login"))
    response = submit_login(page, username, password)
    page.wait_for_url(is_path("/"))
    return response


def assert_librarian_home(page):
    assert path_of(page.url) == "/"
    heading = page.locator("main h1")
    expect(heading).to_be_visible()
    expect(heading).to_contain_text(FULL_NAME)
    expect(page.locator("main")).to_contain_text("Xã A")
    expect(page.locator("header")).to_contain_text("Xã A")


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# 1 ---------------------------------------------------------------------------

def test_login_on_a_phone_with_javascript(world, page_and_problems):
    page, problems = page_and_problems
    page.goto("/")
    page.wait_for_url(is_path("/login"))
    assert parse_qs(urlsplit(page.url).query).get("next") == ["/"]
    expect(page.locator("main form #username")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object", "htmx did not load on the login page"

    response = submit_login(page, "librarian_a")
    page.wait_for_url(is_path("/"))
    assert response.ok
    assert_librarian_home(page)
    assert page.evaluate("typeof htmx") == "object", "htmx did not load on the home page"
    assert problems == [], "console errors / CSP violations:\n" + "\n".join(problems)


# 2 ---------------------------------------------------------------------------

def test_login_on_a_phone_without_javascript(world, make_page):
    page, problems = make_page(javascript=False)
    page.goto("/")
    page.wait_for_url(is_path("/login"))
    submit_login(page, "librarian_a")
    page.wait_for_url(is_path("/"))
    assert_librarian_home(page)
    assert problems == [], "\n".join(problems)


# 3 ---------------------------------------------------------------------------

def test_wrong_password_shows_an_error_and_stays_on_the_login_page(world, page_and_problems):
    page, problems = page_and_problems
    page.goto("/login")
    response = submit_login(page, "librarian_a", "not-the-password")
    assert response.status == 422
    assert path_of(page.url) == "/login"
    alert = page.locator("main [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    # The form is there again, username kept, password not echoed back.
    expect(page.locator("main form #username")).to_have_value("librarian_a")
    expect(page.locator("main form #password")).to_have_value("")
    expect(page.locator("header form")).to_have_count(0)  # not logged in
    # Chromium logs the 422 of the page itself as a failed load; nothing else may fail.
    others = [p for p in problems if "status of 422" not in p]
    assert others == [], "\n".join(others)


# 4 ---------------------------------------------------------------------------

def test_language_switch_in_the_footer(world, page_and_problems):
    page, problems = page_and_problems
    page.goto("/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "vi")

    with page.expect_navigation():
        page.locator("footer button[value=en]").click()
    page.wait_for_url(is_path("/login"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("footer button[value=en]")).to_have_attribute("aria-pressed", "true")

    with page.expect_navigation():
        page.locator("footer button[value=vi]").click()
    page.wait_for_url(is_path("/login"))
    expect(html).to_have_attribute("lang", "vi")
    expect(page.locator("footer button[value=vi]")).to_have_attribute("aria-pressed", "true")
    assert problems == [], "\n".join(problems)


# 5 ---------------------------------------------------------------------------

def test_logout_returns_to_the_login_page(world, page_and_problems):
    page, problems = page_and_problems
    log_in(page, "librarian_a")
    with page.expect_navigation():
        page.locator("header form button").click()
    page.wait_for_url(is_path("/login"))
    expect(page.locator("main form #username")).to_be_visible()
    expect(page.locator("header form")).to_have_count(0)
    expect(page.locator("#flashes [role=status]")).to_be_visible()  # "You have logged out."

    page.goto("/")
    page.wait_for_url(is_path("/login"))
    expect(page.locator("main form #username")).to_be_visible()
    assert problems == [], "\n".join(problems)


# 6 ---------------------------------------------------------------------------

def test_no_horizontal_overflow_at_360px(world, page_and_problems):
    page, _ = page_and_problems
    page.goto("/login")
    expect(page.locator("main form")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"], "the login page scrolls sideways at 360 px"

    log_in(page, "librarian_a")
    expect(page.locator("main h1")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"], "the home page scrolls sideways at 360 px"


# Screenshots -----------------------------------------------------------------

@pytest.mark.parametrize("username", ["librarian_a", "trainer_p", "province_p", "admin"])
def test_screenshots(world, page_and_problems, username):
    """The home page of each role at 360 px and 1280 px; saved into
    $SCREENSHOT_DIR when it is set."""
    page, problems = page_and_problems
    log_in(page, username)
    folder = os.environ.get("SCREENSHOT_DIR")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.reload()
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("main h1")).to_contain_text(FULL_NAME)
        assert scroll_width(page) <= viewport["width"], f"the home page scrolls sideways at {viewport['width']} px"
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"home-{username}-{viewport['width']}.png"), full_page=True)
    assert problems == [], "\n".join(problems)
