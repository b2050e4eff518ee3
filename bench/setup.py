"""What every benchmark starts from: a throw-away SQLite database built with
`flask db upgrade`, the demo province loaded, and logged-in clients."""
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def demo_app():
    tmp = tempfile.mkdtemp(prefix="sothuvien-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ["INSTANCE_PATH"] = tmp
    os.environ["APP_ENV"] = "development"
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import load_demo

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo("Thái Nguyên", None, 3)
    return app


def logged_in(app, username):
    """(client, CSRF token) of a demo user logged in through the real form."""
    from app.demo import DEMO_PASSWORD

    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.status_code
    return client, CSRF.search(client.get("/").get_data(as_text=True)).group(1)


def gz(data: bytes) -> int:
    """Bytes as a browser downloads them gzipped."""
    import gzip

    return len(gzip.compress(data, compresslevel=6))


def save(section: str, results: dict) -> None:
    """Print `name value unit` lines and put `results` under `section` in bench/results.json."""
    import json

    for key, value in results.items():
        print(f"{key} {value} {unit_of(key)}".rstrip())
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing[section] = results
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")


def unit_of(key: str) -> str:
    for part, unit in (("_rps", "req/s"), ("_ratio", "ratio"), ("ratio_", "ratio"), ("growth_10x", "ratio"),
                       ("_ms", "ms"), ("_mb", "MB"), ("_kb", "KB"), ("_gzip", "bytes"), ("rows", "rows"),
                       ("pages_", "pages")):
        if part in key:
            return unit
    return ""
