"""The app as wsgi.py builds it, plus a hello-world route for bench/load.py:
the baseline the tally's throughput is compared with (same app, same
middleware, same gunicorn settings). Never used outside the benchmark."""
from app import create_app
from app.access import public

app = create_app()


@public
def bench_hello():
    return "hello"


app.add_url_rule("/bench-hello", "bench_hello", bench_hello)
