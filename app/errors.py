"""400/403/404/405/409/413/500 and CSRF errors, as a page or a fragment."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.htmx import is_fragment_request, refresh, wants_json


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("You do not have permission to see or change this.")),
        404: (_("Not found"), _("This page or record does not exist, or it has been removed.")),
        405: (_("Action not supported"), _("This action cannot be done this way.")),
        409: (_("Changed by someone else"),
              _("Someone else changed this record while you were editing it. Reload it and try again.")),
        423: (_("Period locked"), _("This period has been approved and is locked.")),
        413: (_("File too large"), _("The data sent is larger than allowed.")),
        500: (_("Something went wrong"),
              _("The server had a problem. Nothing was saved. Please try again in a moment.")),
        503: (_("Service unavailable"), _("The service is temporarily unavailable. Please try again in a moment.")),
    }


def error_response(status: int, detail: str | None = None):
    try:
        return _error_response(status, detail)
    except (OperationalError, InterfaceError):
        # Drawing the page needed the database (to load the user) and it is gone.
        as_anonymous()
        return _error_response(503)


def as_anonymous():
    """Draw what follows for an anonymous visitor, so that it asks the database
    nothing (a logged-in user would be loaded from it again)."""
    from flask import g

    from app.extensions import login_manager

    db.session.rollback()
    g._login_user = login_manager.anonymous_user()


def _error_response(status: int, detail: str | None = None):
    title, message = _messages().get(status, _messages()[500])
    if detail:
        message = detail
    if wants_json():
        return {"error": status, "title": title, "message": message}, status
    if is_fragment_request():
        response = current_app.make_response(
            (render_template("errors/_error.html", title=title, message=message, status=status), status)
        )
        # Show the message in the flash area rather than inside whatever was targeted.
        response.headers["HX-Retarget"] = "#flashes"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render_template("errors/error.html", title=title, message=message, status=status), status


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Your form has expired or was sent from another page. Please reload the page and try again.")
        if wants_json():  # app.js keeps what it sent and sends it again with the next page's token
            return {"error": "csrf", "message": message}, 400
        if is_fragment_request():
            # The page's token is stale (e.g. after logging in elsewhere): reload it.
            return refresh()
        return error_response(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in (301, 302, 303, 307, 308):
            return error
        detail = error.description if getattr(error, "show_description", False) else None
        return error_response(error.code or 500, detail)

    @app.errorhandler(StaleDataError)
    def stale(error):
        # Saved by someone else between our version check and our commit.
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        # The database cannot be reached (or is locked past the busy timeout): a 503 page, no stack trace.
        as_anonymous()
        current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path,
                                 str(error).splitlines()[0][:200])
        response = current_app.make_response(error_response(503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unhandled(error):
        db.session.rollback()
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
