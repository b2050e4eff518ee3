"""Links that templates build many times, built once per process.

url_for() matches the endpoint's rule and quotes each value on every call: a
menu of twenty links, or a list of a hundred rows with two links each, paid
for it on every request although the links hardly change.
"""
from flask import request, url_for

_fixed: dict = {}  # (script root, endpoint, values) → URL
_patterns: dict = {}  # (script root, endpoint, values) → the URL with "{}" for the id
_ID_MARK = 918273645  # an id no real value contains; replaced by "{}" in a pattern


def fixed_url(endpoint: str, **values) -> str:
    """url_for() of a link that is the same on every request (the menu, the
    header and footer forms, static files)."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    try:
        return _fixed[key]
    except KeyError:
        url = _fixed[key] = url_for(endpoint, **values)
        return url


def url_for_id(endpoint: str, **values):
    """A function id → url_for(endpoint, id=id, **values), for the rows of a
    list: the URL is built once with a mark for the id, which each row fills
    in. url_for() quotes "{" and "}", so the only ones in the pattern are the
    mark's."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _patterns[key] = url_for(endpoint, id=_ID_MARK, **values).replace(str(_ID_MARK), "{}")
    return pattern.format
