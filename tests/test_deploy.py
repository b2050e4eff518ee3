"""deploy/: the nginx site in front of real gunicorn servers, the systemd units
and the backup script, as a province installs them (README, "Deploying ...").

The nginx tests render deploy/nginx/sothuvien.conf with local ports, a
throw-away certificate and a fake `dist` folder, start Debian's nginx with its
own prefix in a temporary folder (installed when missing: skipped with a
message when it cannot be, failing under CI=true) in front of two gunicorn
servers of the app (tests/servers.py) on a new SQLite file, with
APP_ENV=production and PROXY_COUNT=1 as deploy/env.example sets them.

Each gunicorn server has one worker with one thread: two slow bodies passed on
as they arrive would hold both, so /healthz answering while they trickle in
shows that nginx reads bodies whole before passing them on.

The tests wait on events (a port answers, an answer arrives); the only timed
thing is the slow clients' own pace, which is what is under test.
"""
import gzip
import http.client
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import tempfile
from pathlib import Path

import pytest

from app import CSP
from config import Config
from tests import test_slow_clients as slow_clients
from tests.servers import CSRF, Gunicorn, free_port, migrated_sqlite, wait_until

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "sothuvien.conf"
ENSURE = ROOT / "tools" / "ensure-debian-package.sh"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")

LIVENESS = 10  # seconds: generous; /healthz answers within milliseconds when it answers at all
CLIENT = "127.0.0.2"  # the address the nginx tests connect from (all of 127/8 is this machine)
CSS = b"body{color:#222}\n" * 40
CSS_PATH = "css/app.0123456789.css"
IMMUTABLE = "public, max-age=31536000, immutable"
HSTS = "max-age=31536000"
BROTLI_STAND_IN = b"brotli stand-in: nginx sends the file as it is"


def ensure(package: str, path: str) -> str:
    """Debian's `package` (tools/ensure-debian-package.sh installs it when `path`
    is missing); skip with the reason when it cannot be had, fail under CI=true."""
    done = subprocess.run([str(ENSURE), package, path], capture_output=True, text=True)
    if Path(path).exists():
        return path
    message = f"Debian's {package} ({path}) is missing and could not be installed: {done.stderr.strip()}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def no_version(headers) -> bool:
    """No Server header, or nginx's without its version (server_tokens off)."""
    return headers.get_all("Server") in (None, ["nginx"])


# --- The files themselves -----------------------------------------------------

def test_env_example_sets_every_variable_of_the_readme():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    names = re.findall(r"`([A-Z][A-Z0-9_]+)`", " ".join(first_cells))
    assert "DATABASE_URL" in names and "BACKUP_KEEP" in names, names
    env = (DEPLOY / "env.example").read_text()
    missing = [name for name in names if not re.search(rf"^#?{name}=", env, re.M)]
    assert not missing, f"deploy/env.example lacks {missing}"


def test_site_limits_match_the_app_and_gunicorn():
    site = SITE.read_text()
    size = re.search(r"^\s*client_max_body_size (\d+)([km]?);", site, re.M)
    assert size, "no client_max_body_size in the site"
    assert int(size[1]) * {"": 1, "k": 1024, "m": 1024 * 1024}[size[2]] == Config.MAX_CONTENT_LENGTH
    # nginx closes an idle connection to gunicorn before gunicorn closes it under a request.
    nginx_idle = int(re.search(r"^\s*keepalive_timeout (\d+)s;", site, re.M)[1])
    gunicorn_idle = int(re.search(r"^keepalive = (\d+)", (ROOT / "gunicorn.conf.py").read_text(), re.M)[1])
    assert nginx_idle < gunicorn_idle


# --- systemd ------------------------------------------------------------------

def render_unit(text: str, env_file: Path) -> str:
    """A unit with the app in this checkout, so that `systemd-analyze verify`
    finds the programs it starts (on a province's server: /srv/sothuvien)."""
    return text.replace("/etc/sothuvien/env", str(env_file)).replace("/srv/sothuvien", str(ROOT))


def test_systemd_units_verify(tmp_path):
    analyze = ensure("systemd", "/usr/bin/systemd-analyze")
    env_file = tmp_path / "env"
    env_file.write_text((DEPLOY / "env.example").read_text())
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {unit.name for unit in units} >= {
        "sothuvien@.service", "sothuvien-backup.service", "sothuvien-backup.timer",
        "sothuvien-restore-check.service", "sothuvien-restore-check.timer"}
    for unit in units:
        text = unit.read_text()
        if unit.suffix == ".service":
            for setting in ("User=sothuvien", "EnvironmentFile=/etc/sothuvien/env", "ProtectSystem=strict",
                            "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes"):
                assert setting in text, (unit.name, setting)
        (tmp_path / unit.name).write_text(render_unit(text, env_file))
    assert "Restart=on-failure" in (DEPLOY / "systemd" / "sothuvien@.service").read_text()
    done = subprocess.run([analyze, "verify", *(str(tmp_path / unit.name) for unit in units)],
                          capture_output=True, text=True)
    # Without systemd running (a container), verify may say so; nothing else is let through.
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if line.strip() and "System has not been booted with systemd" not in line]
    assert done.returncode == 0 and not complaints, "\n".join(complaints)


# --- The backup script --------------------------------------------------------

def backup_script(command: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(DEPLOY / "backup.sh"), command], env=env, capture_output=True, text=True)


def test_backup_retention_keeps_the_newest(tmp_path):
    nightly = [f"sothuvien-2026-01-{day:02d}_023000.dump" for day in range(1, 11)]
    older_sqlite = "sothuvien-2025-12-31_023000.db"
    others = ["sothuvien-before-upgrade.dump", ".sothuvien-2026-01-11_023000.dump.partial", "notes.txt"]
    for name in [*nightly, older_sqlite, *others]:
        (tmp_path / name).write_text(name)
    env = dict(os.environ, BACKUP_DIR=str(tmp_path), BACKUP_KEEP="3")

    done = backup_script("prune", env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(nightly[-3:] + others)
    assert done.stdout.count("removed") == 8

    again = backup_script("prune", env)  # nothing more to remove
    assert (again.returncode, again.stdout) == (0, "")

    for keep in ("0", "-1", "three", "2x"):
        refused = backup_script("prune", dict(env, BACKUP_KEEP=keep))
        assert refused.returncode != 0 and "BACKUP_KEEP" in refused.stderr, keep
    assert len(list(tmp_path.iterdir())) == 6


@pytest.mark.servers  # runs the app's `flask backup` and `flask restore` (seconds each)
def test_backup_and_restore_check_on_sqlite(tmp_path):
    env = migrated_sqlite(tmp_path / "live")
    backups = tmp_path / "backups"
    backups.mkdir()
    env.update(BACKUP_DIR=str(backups), BACKUP_KEEP="2")

    done = backup_script("backup", env)
    assert done.returncode == 0, done.stderr
    written = [p.name for p in backups.iterdir()]
    assert len(written) == 1 and re.fullmatch(r"sothuvien-\d{4}-\d\d-\d\d_\d{6}\.db", written[0]), written

    refused = backup_script("restore-check", dict(env, RESTORE_CHECK_DATABASE_URL=env["DATABASE_URL"]))
    assert refused.returncode != 0 and "refused" in refused.stderr
    unset = backup_script("restore-check", env)
    assert unset.returncode != 0 and "RESTORE_CHECK_DATABASE_URL" in unset.stderr

    scratch = dict(env, RESTORE_CHECK_DATABASE_URL=f"sqlite:///{tmp_path / 'scratch.db'}")
    checked = backup_script("restore-check", scratch)
    assert checked.returncode == 0, checked.stderr
    assert f"{written[0]} restores: migration " in checked.stdout

    (backups / "sothuvien-2099-01-01_000000.db").write_bytes(b"not a database")  # now the newest
    broken = backup_script("restore-check", scratch)
    assert broken.returncode != 0, broken.stdout


# --- nginx in front of gunicorn -----------------------------------------------

MAIN_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
{modules}
events {{ worker_connections 256; }}
http {{
    # As Debian's /etc/nginx/nginx.conf, with this prefix's files.
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    gzip on;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/sites-enabled/*;
}}
"""


def render_site(https_port, http_port, upstream_ports, prefix: Path) -> str:
    """deploy/nginx/sothuvien.conf with this test's ports and files in place of
    a province's (each replaced line must still be there)."""
    text = SITE.read_text()
    replacements = [
        ("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n",
         "".join(f"    server 127.0.0.1:{port};\n" for port in upstream_ports)),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("    listen [::]:80;\n", ""),
        ("server_name thuvien.example.gov.vn;", "server_name localhost;"),
        ("/etc/letsencrypt/live/thuvien.example.gov.vn/", f"{prefix}/tls/"),
        ("/etc/nginx/snippets/", f"{prefix}/snippets/"),
        ("/srv/sothuvien/app/static/dist/", f"{prefix}/dist/"),
        ("root /var/www/html;", f"root {prefix}/webroot;"),
    ]
    for old, new in replacements:
        assert old in text, f"{SITE} no longer has {old!r}: update render_site"
        text = text.replace(old, new)
    return text


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Nginx:
    """Debian's nginx with the rendered site, its own prefix, pid and logs."""

    def __init__(self, binary: str, prefix: Path, site: str, brotli: bool):
        self.binary, self.prefix = binary, prefix
        (prefix / "sites-enabled").mkdir()
        (prefix / "sites-enabled" / "sothuvien").write_text(site)
        modules = f"load_module {BROTLI_MODULE};" if brotli else ""
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(MAIN_CONF.format(prefix=prefix, modules=modules))
        self.process = None

    def command(self, *extra) -> list[str]:
        return [self.binary, "-p", f"{self.prefix}/", "-c", str(self.conf), "-e", str(self.prefix / "error.log"),
                *extra]

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command("-t"), capture_output=True, text=True)

    def start(self, ports):
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)

        def listening():
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {self.error_log()}")
            return all(port_open(port) for port in ports)

        wait_until("nginx listening", listening, timeout=30)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


class Site:
    """What the nginx tests use: the ports, the servers, a TLS client."""

    def __init__(self, https_port, http_port, servers, database: Path, cert: Path, brotli: bool):
        self.https_port, self.http_port = https_port, http_port
        self.servers, self.database, self.brotli = servers, database, brotli
        self.tls = ssl.create_default_context(cafile=str(cert))

    def request(self, method, path, headers=None, body=None, source=CLIENT, timeout=LIVENESS):
        """One HTTPS request as a browser on port 443 sends it (Host without a port)."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=timeout, context=self.tls,
                                                 source_address=(source, 0))
        try:
            connection.request(method, path, body=body, headers={"Host": "localhost", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read(), response.headers
        finally:
            connection.close()

    def connect(self) -> ssl.SSLSocket:
        sock = socket.create_connection(("127.0.0.1", self.https_port), timeout=LIVENESS, source_address=(CLIENT, 0))
        return self.tls.wrap_socket(sock, server_hostname="127.0.0.1")


def make_certificate(directory: Path) -> tuple[Path, Path]:
    directory.mkdir()
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return cert, key


def make_dist(dist: Path, brotli: bool):
    """A `flask assets` tree as the app builds it: hashed names with .gz and .br siblings."""
    (dist / "css").mkdir(parents=True)
    (dist / CSS_PATH).write_bytes(CSS)
    (dist / f"{CSS_PATH}.gz").write_bytes(gzip.compress(CSS))
    (dist / "manifest.json").write_text('{"css/app.css": "%s"}' % CSS_PATH)
    if brotli:
        (dist / f"{CSS_PATH}.br").write_bytes(BROTLI_STAND_IN)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    nginx_binary = ensure("nginx", "/usr/sbin/nginx")
    brotli = BROTLI_MODULE.exists()
    # nginx's workers run as `nobody` when the test runs as root: a folder they
    # can read, outside pytest's private temporary folders.
    prefix = Path(tempfile.mkdtemp(prefix="sothuvien-nginx-"))
    prefix.chmod(0o755)
    nginx, servers = None, []
    try:
        cert, _key = make_certificate(prefix / "tls")
        make_dist(prefix / "dist", brotli)
        (prefix / "webroot" / ".well-known" / "acme-challenge").mkdir(parents=True)
        (prefix / "webroot" / ".well-known" / "acme-challenge" / "token-1").write_text("token-1.key")
        (prefix / "snippets").mkdir()
        shutil.copy(DEPLOY / "nginx" / "sothuvien-security-headers.conf", prefix / "snippets")
        if brotli:
            shutil.copy(DEPLOY / "nginx" / "sothuvien-brotli.conf", prefix / "snippets")

        env = migrated_sqlite(tmp_path_factory.mktemp("deploy"))
        env.update(APP_ENV="production", SECRET_KEY="deploy-test-" + "0" * 40, PROXY_COUNT="1",
                   GUNICORN_CMD_ARGS="--threads 1")
        servers = [Gunicorn(env=env, workers=1), Gunicorn(env=env, workers=1)]

        https_port, http_port = free_port(), free_port()
        nginx = Nginx(nginx_binary, prefix, render_site(https_port, http_port, [s.port for s in servers], prefix),
                      brotli)
        checked = nginx.test_config()
        assert checked.returncode == 0, checked.stderr
        nginx.start([https_port, http_port])
        database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
        yield Site(https_port, http_port, servers, database, cert, brotli)
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop()
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.mark.servers
def test_site_works_without_the_brotli_module():
    """The brotli include is optional: the same site passes `nginx -t` without the module."""
    nginx_binary = ensure("nginx", "/usr/sbin/nginx")
    prefix = Path(tempfile.mkdtemp(prefix="sothuvien-nginx-t-"))
    try:
        make_certificate(prefix / "tls")
        (prefix / "snippets").mkdir()
        shutil.copy(DEPLOY / "nginx" / "sothuvien-security-headers.conf", prefix / "snippets")
        nginx = Nginx(nginx_binary, prefix, render_site(1, 2, [3, 4], prefix), brotli=False)
        checked = nginx.test_config()
        assert checked.returncode == 0, checked.stderr
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.mark.servers
def test_app_pages_have_hsts_and_each_security_header_once(site):
    status, _body, headers = site.request("GET", "/login")
    assert status == 200
    for name, value in (("Strict-Transport-Security", HSTS), ("Content-Security-Policy", CSP),
                        ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                        ("Referrer-Policy", "same-origin"), ("Cache-Control", "no-store")):
        assert headers.get_all(name) == [value], (name, headers.get_all(name))
    for name in ("Permissions-Policy", "Cross-Origin-Opener-Policy"):
        assert len(headers.get_all(name) or []) == 1, (name, headers.get_all(name))
    assert no_version(headers), headers["Server"]
    # The app compresses its pages itself (Flask-Compress); nginx passes them on as they are.
    status, body, headers = site.request("GET", "/login", headers={"Accept-Encoding": "gzip"})
    assert (status, headers.get_all("Content-Encoding")) == (200, ["gzip"])
    assert b"csrf-token" in gzip.decompress(body)


@pytest.mark.servers
def test_http_redirects_to_https_and_serves_acme_challenges(site):
    connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=LIVENESS)
    try:
        connection.request("GET", "/login?next=/visits", headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        assert (response.status, response.headers["Location"]) == (301, "https://localhost/login?next=/visits")
        assert no_version(response.headers)
        connection.request("GET", "/.well-known/acme-challenge/token-1", headers={"Host": "localhost"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"token-1.key")
    finally:
        connection.close()


@pytest.mark.servers
def test_static_files_are_served_by_nginx_with_the_long_cache(site):
    status, body, headers = site.request("GET", f"/static/{CSS_PATH}")
    assert (status, body) == (200, CSS)
    assert headers["Cache-Control"] == IMMUTABLE
    assert headers["Content-Type"].startswith("text/css")
    assert headers["Strict-Transport-Security"] == HSTS and headers["X-Content-Type-Options"] == "nosniff"
    assert no_version(headers)

    status, body, headers = site.request("GET", f"/static/{CSS_PATH}", headers={"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == CSS and headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in headers["Vary"]

    if site.brotli:  # Debian's libnginx-mod-http-brotli-static is installed here
        status, body, headers = site.request("GET", f"/static/{CSS_PATH}", headers={"Accept-Encoding": "br, gzip"})
        assert (status, headers["Content-Encoding"]) == (200, "br")
        assert body == BROTLI_STAND_IN

    # Only the built files: not the app's sources (app/static/css/app.css), nor the build's manifest.
    for path in ("/static/css/app.css", "/static/manifest.json"):
        status, _body, headers = site.request("GET", path)
        assert status == 404 and headers["Cache-Control"] is None, path
        assert headers["Strict-Transport-Security"] == HSTS and no_version(headers)


class SlowBody(slow_clients.SlowBody):
    """tests/test_slow_clients.py's slow phone, through nginx over TLS."""

    def __init__(self, site):
        super().__init__(site.connect(), "localhost")

    def answered(self) -> bool:
        """Has nginx answered or closed? (After stop(): the socket is this thread's
        alone. Readable is not enough: TLS 1.3 sends session tickets after the handshake.)"""
        self.sock.setblocking(False)
        try:
            self.sock.recv(1)
            return True  # an answer, or b"" when closed
        except ssl.SSLWantReadError:
            return False
        finally:
            self.sock.setblocking(True)

@pytest.mark.servers
def test_healthz_answers_while_two_slow_bodies_trickle_in(site):
    slow = []
    try:
        for _ in range(2):  # as many as the two servers have threads
            slow.append(SlowBody(site))
        try:
            status, body, headers = site.request("GET", "/healthz")
        except TimeoutError:
            pytest.fail(f"/healthz did not answer within {LIVENESS} s while two slow bodies were open")
        assert (status, body) == (200, b"ok")
        assert headers["Strict-Transport-Security"] == HSTS and no_version(headers)
        for client in slow:  # still sending, short of their length, unanswered
            client.stop()
            assert client.error is None and client.sent < client.ANNOUNCED and not client.answered(), client.sent
    finally:
        for client in slow:
            client.close()


def form_login(site, headers: dict, username: str) -> tuple[int, bytes]:
    """GET /login for its cookie and token, then POST a wrong password with `headers`."""
    status, page, page_headers = site.request("GET", "/login")
    assert status == 200, status
    token = CSRF.search(page.decode())[1]
    cookies = "; ".join(c.split(";", 1)[0] for c in page_headers.get_all("Set-Cookie") or [])
    body = f"csrf_token={token}&username={username}&password=wrong-password".encode()
    status, answer, _headers = site.request(
        "POST", "/login", body=body,
        headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded", **headers})
    return status, answer


@pytest.mark.servers
def test_the_app_sees_the_client_address_and_https_nginx_sends(site):
    # X-Forwarded-Proto: the app knows the page came over HTTPS, so its CSRF
    # check wants the browser's Referer naming this site (Host: passed on).
    status, _answer = form_login(site, {}, "deploy-no-referer")
    assert status == 400
    # X-Forwarded-For: the address nginx saw, whatever the client claims.
    status, _answer = form_login(site, {"Referer": "https://localhost/login", "X-Forwarded-For": "203.0.113.9"},
                                 "deploy-wrong-password")
    assert status not in (400, 500), status
    with sqlite3.connect(site.database) as connection:
        addresses = connection.execute("SELECT source_address FROM audit_event WHERE action = 'login_failed' "
                                       "AND username = 'deploy-wrong-password'").fetchall()
    assert addresses == [(CLIENT,)]


@pytest.mark.servers
def test_bodies_over_the_app_limit_get_413_from_nginx(site):
    limit = Config.MAX_CONTENT_LENGTH
    with site.connect() as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\n" % (limit + 1))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"closed before a whole answer: {answer!r}"
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert f"Strict-Transport-Security: {HSTS}" in head and "Content-Security-Policy: default-src 'none'" in head
    assert re.search(r"^Server: nginx\r?$", head, re.M) or "Server:" not in head, head
    # A body of exactly the limit passes nginx and reaches the app (405: /healthz takes no POST).
    status, _body, headers = site.request("POST", "/healthz", body=b"x" * limit,
                                          headers={"Content-Type": "application/octet-stream"})
    assert status == 405 and headers["Content-Security-Policy"] == CSP


@pytest.mark.servers
def test_one_server_down_the_other_answers(site):
    """A rolling restart: with one app server stopped, every request is answered by the other."""
    stopped = site.servers[1]
    stopped.stop()
    try:
        for _ in range(6):
            status, body, _headers = site.request("GET", "/healthz")
            assert (status, body) == (200, b"ok")
    finally:
        stopped.start()
