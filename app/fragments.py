"""Pieces of a page that many requests render alike, rendered once per process.

A list's filter form is the same HTML for every request with the same
language, action and values, yet rendering its selects option by option was a
third of the equipment register's time. In a template:

    {% call cached_fragment("register-filters", point.id, filters.cache_key()) %}
      <form …>…</form>
    {% endcall %}

The key must name everything the fragment shows besides the language and the
app (added here): ids in its URLs, the form's values, and for a fragment of
data, a version of the data that any change to it changes (the register keys
its rows by queries.register_version()); the app and the path it is served under
are added here. Nothing per user or per request (a
CSRF token, a name) may be inside a cached fragment unless the key names it.
"""
from flask import current_app, request
from flask_babel import get_translations
from markupsafe import Markup

SIZE = 2048  # fragments kept per process; when full the cache starts again (dict operations are atomic)
_fragments: dict = {}


def cached_fragment(*key, caller) -> Markup:
    # The app's own token too: tests make many apps in one process, each over its own database.
    # (A token, not the app: a key must not keep an app and its database connections alive.)
    full_key = (current_app.extensions.setdefault("fragments", object()), request.script_root, get_translations(), *key)
    html = _fragments.get(full_key)
    if html is None:
        html = Markup(caller())
        if len(_fragments) >= SIZE:
            _fragments.clear()
        _fragments[full_key] = html
    return html
