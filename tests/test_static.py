"""One round trip per page: static files under content-hashed names, cached a
year and sent pre-compressed; pages compressed as the browser asks; downloads
sent as they are."""
import gzip
import json
import re

import brotli

from app import assets

PAGE_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_name_hashed_static_files_cached_a_year(app, as_user):
    body = as_user("librarian_a").get("/").get_data(as_text=True)
    urls = PAGE_ASSET.findall(body)
    assert len(urls) == 3 and all(assets.HASHED.search(url) for url in urls), urls  # css, htmx, app.js
    client = app.test_client()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Accept-Encoding" in response.headers["Vary"]


def test_static_files_are_sent_pre_compressed_as_asked(app, as_user):
    url = next(u for u in PAGE_ASSET.findall(as_user("librarian_a").get("/").get_data(as_text=True)) if "htmx" in u)
    client = app.test_client()
    plain = client.get(url).data
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == plain
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    assert len(br.data) < len(gz.data) < len(plain) / 2


def test_pages_are_compressed_and_downloads_are_not(app, as_user):
    client = as_user("province_staff_p")
    page = client.get("/", headers={"Accept-Encoding": "br"})
    assert page.headers["Content-Encoding"] == "br" and b"<!doctype html>" in brotli.decompress(page.data)
    assert {"HX-Request", "Accept-Encoding"} <= set(page.headers["Vary"].replace(" ", "").split(","))
    assert client.get("/", headers={"Accept-Encoding": "identity"}).headers.get("Content-Encoding") is None
    export = client.get("/province/export.xlsx", headers={"Accept-Encoding": "gzip, br"})
    assert export.status_code == 200 and "Content-Encoding" not in export.headers
    assert export.data[:2] == b"PK"  # the workbook itself, a zip


def test_a_changed_file_gets_a_new_name_and_the_manifest_follows(tmp_path):
    static, dist = tmp_path / "static", tmp_path / "dist"
    (static / "css").mkdir(parents=True)
    (static / "css" / "a.css").write_text("/* for whoever edits it */\nbody{color:red}")
    first = assets.build(static, dist)
    assert assets.current_manifest(static, dist) == first
    assert (dist / first["css/a.css"]).read_text() == "body{color:red}"
    assert gzip.decompress((dist / (first["css/a.css"] + ".gz")).read_bytes()) == b"body{color:red}"
    (static / "css" / "a.css").write_text("body{color:blue}")
    assert assets.current_manifest(static, dist) is None  # stale: rebuilt at the next start
    second = assets.build(static, dist)
    assert second["css/a.css"] != first["css/a.css"] and json.loads((dist / "manifest.json").read_text()) == second
    assert (dist / first["css/a.css"]).exists()  # a page still open in a browser keeps its old file


def test_the_tally_script_stays_small():
    script = (assets.STATIC / "js" / "app.js").read_bytes()
    assert len(gzip.compress(script, 9)) <= 3 * 1024
