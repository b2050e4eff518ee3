"""Every kind of page a logged-in user reaches by following links from the
home page, and the htmx partials those pages ask for. Used by the XSS test
and by `make bench` (bench/crawl.py)."""
import html
import re
from collections import deque
from urllib.parse import parse_qs, urljoin, urlsplit

LINK = re.compile(r'<a\s[^>]*href="([^"#]+)"')
HX_GET = re.compile(r'hx-get="([^"]+)"')
SKIP = re.compile(r"/(logout|language)|\.(xlsx|csv)(\?|$)|/export")


def crawl(client, per_shape: int = 4, limit: int = 3000):
    """Yield (url, response, is_partial) for every page reached from "/" with
    `client` (a Flask test client, logged in), a few of each kind (same path
    shape and query names), and for the hx-get partials they name."""
    queue, seen, shapes, partials = deque(["/"]), {"/"}, {}, set()
    pages = 0
    while queue and pages < limit:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        yield path, response, False
        text = response.get_data(as_text=True)
        for url in HX_GET.findall(text):
            url = html.unescape(url)
            if url not in partials:
                partials.add(url)
                yield url, client.get(url, headers={"HX-Request": "true"}), True
        for href in LINK.findall(text):
            href = html.unescape(href)
            parts = urlsplit(urljoin(path, href))
            if parts.netloc or SKIP.search(href) or parts.path.startswith("/static/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            # Every kind of page, a few of each: the day before, the day before that … are the same page.
            shape = (re.sub(r"\d+", "#", parts.path), tuple(sorted(parse_qs(parts.query, keep_blank_values=True))))
            if target not in seen and shapes.get(shape, 0) < per_shape:
                seen.add(target)
                shapes[shape] = shapes.get(shape, 0) + 1
                queue.append(target)
