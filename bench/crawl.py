"""make bench (weight): every kind of page each demo role reaches by following
links from its home page (tests/crawl.py: a few of each kind), with the CSS,
JS and images the page loads as the server sends them to a browser that
accepts brotli (static files pre-compressed, app/assets.py; the HTML counted
gzipped); and every htmx partial those pages ask for (hx-get), plus a tap. Prints `name value unit` lines and
adds them to bench/results.json under "weight":
  first_load_kb_max  the largest first-load transfer over every page reached (goal ≤ 30)
  partial_kb_max     the largest htmx partial response (goal ≤ 8)
"""
import os
import re

from setup import demo_app, gz, logged_in, save

from tests.crawl import crawl as crawl_pages

ROLES = ("librarian1", "librarian2", "trainer", "province", "admin")
PER_SHAPE = int(os.environ.get("BENCH_CRAWL_PER_SHAPE", "4"))  # pages of one kind (same path and query names)
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}  # what Chromium sends
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/static/[^"]+)"')


def crawl(app, username: str) -> tuple[dict, dict]:
    """({page: first-load bytes}, {partial URL: bytes}) for one user."""
    client, token = logged_in(app, username)
    assets: dict[str, int] = {}
    pages, partials = {}, {}
    for url, response, is_partial in crawl_pages(client, PER_SHAPE):
        if is_partial:
            if response.status_code == 200:
                partials[url] = gz(response.get_data())
            continue
        text = response.get_data(as_text=True)
        total = gz(response.get_data())
        for asset in set(ASSET.findall(text)):
            if asset not in assets:
                assets[asset] = len(client.get(asset, headers=BROWSER).get_data())  # the bytes sent
            total += assets[asset]
        pages[url] = total
    if username == "librarian1":
        point = re.search(r"/points/(\d+)/tally", " ".join(pages))
        if point:
            from app.formatting import today_local

            with app.test_request_context():
                day = today_local().isoformat()
            tap = client.post(f"/points/{point.group(1)}/tally", headers={"Accept": "application/json"},
                              data={"csrf_token": token, "day": day, "cell": "reading:children"})
            assert tap.status_code == 200, tap.status_code
            partials["POST tally tap"] = gz(tap.get_data())
    return pages, partials


def main():
    app = demo_app()
    results, largest_page, largest_partial = {}, ("", 0), ("", 0)
    for username in ROLES:
        pages, partials = crawl(app, username)
        page, size = max(pages.items(), key=lambda kv: kv[1])
        results[f"pages_reached_{username}"] = len(pages)
        results[f"first_load_kb_max_{username}"] = round(size / 1024, 1)
        if size > largest_page[1]:
            largest_page = (f"{username} {page}", size)
        if partials:
            url, psize = max(partials.items(), key=lambda kv: kv[1])
            if psize > largest_partial[1]:
                largest_partial = (f"{username} {url}", psize)
    results["first_load_kb_max"] = round(largest_page[1] / 1024, 1)
    results["first_load_largest_page"] = largest_page[0]
    results["partial_kb_max"] = round(largest_partial[1] / 1024, 1)
    results["partial_largest"] = largest_partial[0]
    save("weight", results)


if __name__ == "__main__":
    main()
