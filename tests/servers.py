"""Real app servers for the multi-server and fault tests: gunicorn processes
started on free local ports against the test database, and a browser-like
HTTP client (cookies, CSRF token) for them."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
CONFIG = ROOT / "gunicorn.conf.py"  # the settings `make run` serves with
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def wait_until(what: str, condition, timeout: float = 30, every: float = 0.05):
    """Check `condition()` until it holds, for at most `timeout` seconds: for
    things that send no event a test could wait on (a process's children, a
    port that starts answering). Fails with `what` when time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrated_sqlite(directory: Path) -> dict:
    """The environment of `make run` on a new SQLite file in `directory`,
    migrated with `flask db upgrade` as `make run` does (not the test schema)."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{directory / 'sothuvien.db'}",
               INSTANCE_PATH=str(directory), APP_ENV="development")
    env.pop("SECRET_KEY", None)  # generated into `directory`, as on a first `make run`
    done = subprocess.run([str(FLASK), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"flask db upgrade failed:\n{done.stderr[-2000:]}"
    return env


class Gunicorn:
    """`gunicorn wsgi:app` as `make run` starts it (its config file), on the
    test database, or with `env` (e.g. from `migrated_sqlite`) instead."""

    def __init__(self, app=None, workers: int = 2, port: int | None = None, env: dict | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                               SECRET_KEY=app.config["SECRET_KEY"], APP_ENV="development",
                               INSTANCE_PATH=os.environ["INSTANCE_PATH"])
        self.workers = workers
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [str(GUNICORN), "--config", str(CONFIG), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until("gunicorn answering with all its workers", self.ready, timeout=60)
        except BaseException:
            self.stop()
            raise

    def ready(self) -> bool:
        """The master answers /healthz and all its workers are up (a failed start fails at once)."""
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200 and len(self.worker_pids()) == self.workers
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def kill_master(self):
        """kill -9 the master and its workers, as a crash or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class Browser:
    """A browser-like HTTP client: its own cookies, the page's CSRF token."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.token = None

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=30) as response:
                body = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read().decode(), error.code
        match = CSRF.search(body)
        if match:
            self.token = match.group(1)
        return status, body

    def post(self, url: str, data: dict, headers: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **data}).encode()
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def log_in(self, base: str, username: str, password: str = PASSWORD) -> tuple[int, str]:
        self.get(f"{base}/login")
        status, body, _headers = self.post(f"{base}/login", {"username": username, "password": password})
        if status == 200:  # the 303 was followed to the home page
            match = CSRF.search(body)
            self.token = match.group(1) if match else self.token
        return status, body
