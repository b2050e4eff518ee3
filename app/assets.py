"""Static files with content-hashed names, pre-compressed, cached a year.

`build()` copies each file of app/static (css/, js/, vendor/) into
app/static/dist/ as `name.<hash>.ext`, with `.gz` and `.br` siblings, and
writes dist/manifest.json (source name → hashed name). `url_for('static',
filename='css/app.css')` then gives the hashed URL, and WhiteNoise serves
dist/ in front of the app: a hashed file never changes, so a browser keeps it
a year (`immutable`) and a second page costs one request, its HTML.

The build runs at start-up when the manifest is missing or stale (a few
milliseconds to check; every file is written whole under a temporary name and
then renamed, so two workers starting together write the same bytes and a
reader never sees half a file), and as `flask --app wsgi assets` for a
deployment whose code folder is read-only (README, "Deploying").
"""
import gzip
import hashlib
import json
import os
import re
from pathlib import Path

import brotli
import click
from whitenoise import WhiteNoise

STATIC = Path(__file__).parent / "static"
DIST = STATIC / "dist"
FOLDERS = ("css", "js", "vendor")
HASHED = re.compile(r"\.[0-9a-f]{10}\.[a-z]+$")  # a name built here: app.1a2b3c4d5e.css
YEAR = 365 * 24 * 60 * 60


CSS_COMMENT = re.compile(rb"/\*.*?\*/\s*", re.S)


def served(name: str, content: bytes) -> bytes:
    """A file as it is sent: a stylesheet without its comments (they are for
    whoever edits it, and were a sixth of its compressed size)."""
    return CSS_COMMENT.sub(b"", content) if name.endswith(".css") else content


def sources(static: Path = STATIC) -> dict[str, bytes]:
    return {name: served(name, path.read_bytes())
            for folder in FOLDERS for path in sorted((static / folder).rglob("*")) if path.is_file()
            for name in [path.relative_to(static).as_posix()]}


def hashed_name(name: str, content: bytes) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.{suffix}"


def _write(path: Path, content: bytes) -> None:
    if path.exists():
        return  # a hashed name: the same name holds the same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def build(static: Path = STATIC, dist: Path = DIST) -> dict[str, str]:
    """Write the hashed, compressed copies and the manifest; return the manifest."""
    manifest = {}
    for name, content in sources(static).items():
        manifest[name] = hashed_name(name, content)
        target = dist / manifest[name]
        _write(target, content)
        _write(target.with_name(target.name + ".gz"), gzip.compress(content, 9, mtime=0))
        _write(target.with_name(target.name + ".br"), brotli.compress(content, quality=11))
    manifest_path = dist / "manifest.json"
    temporary = manifest_path.with_name(f".manifest.{os.getpid()}")
    temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(temporary, manifest_path)
    return manifest


def current_manifest(static: Path = STATIC, dist: Path = DIST) -> dict[str, str] | None:
    """The manifest when it names today's files, else None."""
    try:
        manifest = json.loads((dist / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    wanted = {name: hashed_name(name, content) for name, content in sources(static).items()}
    return manifest if manifest == wanted and all((dist / name).exists() for name in wanted.values()) else None


class Static(WhiteNoise):
    FOREVER = YEAR  # WhiteNoise's is ten years; a year is what HTTP caches are asked to honour


def _nosniff(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"


def register(app) -> None:
    """Serve dist/ under /static/ and let url_for('static', …) name the hashed files."""
    manifest = current_manifest()
    if manifest is None:
        try:
            manifest = build()
        except OSError as error:  # a read-only code folder without `flask assets` run: plain names
            app.logger.warning("Static files not built (%s): run `flask --app wsgi assets`.", error)
            manifest = {}
    if manifest:
        app.wsgi_app = Static(app.wsgi_app, root=DIST, prefix="static/", autorefresh=False, allow_all_origins=False,
                              immutable_file_test=lambda path, url: bool(HASHED.search(url)),
                              add_headers_function=_nosniff)

        @app.url_defaults
        def hashed_static(endpoint, values):
            if endpoint == "static" and values.get("filename") in manifest:
                values["filename"] = manifest[values["filename"]]

    @app.cli.command("assets")
    def assets_command():
        """Build the hashed, compressed static files (app/static/dist/)."""
        click.echo(f"{len(build())} → {DIST}")
