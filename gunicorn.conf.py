"""gunicorn's settings for `make run`, the tests' servers and deployment
(`gunicorn --config gunicorn.conf.py ...`; gunicorn also reads this file by
itself when started from this directory). The command line still wins, so
`make run` and the README pass --bind and --workers there.

Slow clients: with sync workers, one phone sending its body slowly held a
whole worker until `timeout` killed it, and two of them kept /healthz waiting
for 36 s (tests/test_slow_clients.py). gthread workers read a request in one of
their threads, so a slow body holds one thread and the others keep answering.
Threads only widen the margin: gunicorn sets no read timeout on a socket, so
enough slow clients can still hold every thread. In production the reverse
proxy buffers whole requests before passing them on (README, "Deploying").
"""
from gunicorn.http import wsgi as _wsgi

workers = 2  # `make run` passes WORKERS; a server with more cores passes more
worker_class = "gthread"
# Threads per worker: requests one worker serves at once. The GIL and SQLite's
# one writer make more threads no faster; they are here so that a few slow
# clients leave threads free. 2 workers x 8 threads = 16 requests at once.
threads = 8
# With gthread, `timeout` is how long the master waits for a worker's main loop
# (which keeps beating while a thread waits on a client) before killing and
# replacing it: a hung worker, not a slow request, is what it catches.
timeout = 30
graceful_timeout = 30
# An idle kept-alive connection waits in the worker's poller, not in a thread,
# and is closed after this many seconds.
keepalive = 5
# Requests gunicorn refuses before the app sees them (414 and 431). The app's
# longest URLs (list filters) are a few hundred bytes; a browser sends about 15
# header fields, a proxy adds a few; the session cookie is under 200 bytes.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190


# No `Server: gunicorn` header. gunicorn has no setting for it, and setting
# gunicorn.SERVER = "" still sends an empty `Server:` line (checked on 27.0.1:
# gunicorn.http.wsgi.Response writes "Server: %s" with it). So the line is left
# out of the headers gunicorn writes before the app's; gunicorn's own error
# answers (gunicorn.util.write_error: 400, 414, 431 ...) never carry one.
# tests/test_slow_clients.py checks both, so an upgrade that changes this fails there.
_default_headers = _wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


_wsgi.Response.default_headers = _default_headers_without_server
