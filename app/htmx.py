"""The one place that decides page vs fragment, redirects and htmx triggers.

A genuine htmx fragment request (HX-Request, not boosted, not a history
restore) gets only the partial; everything else gets the full page. Every
response varies on HX-Request (set in create_app) so a cache or the back
button never shows a bare fragment.
"""
import json

from flask import flash, make_response, render_template, request, session
from flask import redirect as flask_redirect


def is_fragment_request() -> bool:
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def wants_json() -> bool:
    """A request from app.js that asks for JSON (Accept: application/json),
    e.g. a queued tap: its answer and its errors are JSON."""
    return request.accept_mimetypes.best == "application/json"


def render(template: str, partial: str | None = None, status: int = 200, trigger=None, **context):
    """Render `partial` for a fragment request when given, else the full `template`."""
    fragment = bool(partial) and is_fragment_request()
    body = render_template(partial if fragment else template, **context)
    if is_fragment_request() and session.get("_flashes"):
        # Flash messages ride along as an out-of-band swap of the flash area.
        body += render_template("_partials/_flashes_oob.html")
    response = make_response(body, status)
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger) if isinstance(trigger, dict) else trigger
    return response


def render_form_errors(template: str, partial: str | None = None, **context):
    """A form that failed validation: re-rendered with 422. The htmx config in
    base.html swaps 422 responses, so htmx and plain forms behave the same."""
    return render(template, partial, status=422, **context)


def redirect(location: str):
    """Redirect after POST: 303 for a plain request; for an htmx request an
    HX-Location, so htmx loads the next page instead of swapping it into a div."""
    if is_fragment_request() or (getattr(request, "htmx", None) and request.htmx.boosted):
        response = make_response("", 200)
        response.headers["HX-Location"] = json.dumps({"path": location, "target": "body"})
        return response
    return flask_redirect(location, code=303)


def saved(location: str, message: str | None = None, partial: str | None = None, **context):
    """The answer to a POST that changed something: a fragment request gets
    `partial` (with `trigger=` for the widgets that listen); any other request
    gets `message` flashed and a 303 to `location`."""
    if partial and is_fragment_request():
        return render(partial, **context)
    if message:
        flash(message, "success")
    return redirect(location)


def client_redirect(location: str, status: int = 200):
    """Full navigation on the client (HX-Redirect), e.g. to the login page."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def refresh():
    response = make_response("", 200)
    response.headers["HX-Refresh"] = "true"
    return response

