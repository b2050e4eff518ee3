"""Pieces of a page that many requests render alike, rendered once per process.

A list's filter form is the same HTML for every request with the same
language, action and values, yet rendering its selects option by option was a
third of the equipment register's time. In a template:

    {% call cached_fragment("register-filters", point.id, filters.cache_key()) %}
      <form …>…</form>
    {% endcall %}

The key must name everything the fragment shows besides the app, the path it
is served under and the language (added here): ids in its URLs, the form's
values, and for a fragment of data, a version of the data that any change to
it changes (the register keys its rows by queries.register_version()).
Nothing per user or per request (a CSRF token, a name) may be inside a cached
fragment unless the key names it.
"""
from flask import current_app, request
from flask_babel import get_translations
from markupsafe import Markup

# Kept per process: at most SIZE fragments and about MAX_CHARS characters (a register's body is some
# 15,000); when either is reached the cache starts again. Dict operations are atomic; the count of
# characters may drift by a fragment when two threads add at once, which only moves the next clearing.
SIZE = 2048
MAX_CHARS = 8_000_000
_fragments: dict = {}
_chars = [0]


def cached_fragment(*key, caller) -> Markup:
    # The app's own token too: tests make many apps in one process, each over its own database.
    # (A token, not the app: a key must not keep an app and its database connections alive.)
    full_key = (current_app.extensions.setdefault("fragments", object()), request.script_root, get_translations(), *key)
    html = _fragments.get(full_key)
    if html is None:
        html = Markup(caller())
        if len(_fragments) >= SIZE or _chars[0] + len(html) > MAX_CHARS:
            _fragments.clear()
            _chars[0] = 0
        _fragments[full_key] = html
        _chars[0] += len(html)
    return html
