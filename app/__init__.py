"""Sổ Thư viện: application factory."""
import sqlite3

from babel import Locale
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from app import extensions as ext
from config import INSTANCE_DIR, config_from_env, development_secret_key

# default-src 'self' also rules scripts, styles, fonts and fetches (no inline
# script or style, no eval); the header rides on every answer, so it names only
# what default-src does not cover.
CSP = ("default-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'self'; object-src 'none'; "
       "frame-ancestors 'none'")


# How long a write waits for another's to finish before giving up (503). Taps
# from many phones queue for SQLite's one writer; on a slow, busy machine the
# queue can pass 5 s, and a tap that waits is better than a tap refused.
SQLITE_BUSY_TIMEOUT_MS = 15_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Every SQLite connection: WAL journal, foreign keys enforced, wait on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


_LOCALES = {code: Locale.parse(code) for code in ("vi", "en")}  # parsed once: Flask-Babel parsed a name per request


def select_locale():
    return _LOCALES.get(_locale_name())


def _locale_name():
    if not has_request_context():
        return None  # CLI: the default, Vietnamese
    try:
        if current_user and current_user.is_authenticated:
            return current_user.language
    except (OperationalError, InterfaceError):
        # No database to load the user from: an error page is being drawn, as for an anonymous visitor.
        from app.errors import as_anonymous

        as_anonymous()
    lang = session.get("lang")
    if lang in ("vi", "en"):
        return lang
    return "vi"


_CATALOGS: dict = {}  # translations object → ({message: Markup}, {message: Markup with no variables})


def template_gettext(translations):
    """`_()` for templates, as Jinja's newstyle gettext does it (the message is
    trusted markup, variables are escaped into it, `%%` is a percent sign), but
    each message translated once per process and catalog: flask-babel's `_`
    walks the request, the app and the locale again for every label of a page.
    Catalogs never change while a process runs. Every template is HTML
    (autoescaped), so the result is always Markup."""
    translated, plain = _CATALOGS.setdefault(translations, ({}, {}))

    def gettext(message, **variables):
        if not variables:
            try:
                return plain[message]
            except KeyError:
                pass
        try:
            text = translated[message]
        except KeyError:
            text = translated[message] = Markup(translations.ugettext(message))
        if variables:
            return text % variables
        result = plain[message] = text % {}
        return result

    return gettext


def warn_once_about_proxy_headers(app):
    """Behind a proxy without PROXY_COUNT every request seems to come from the
    proxy: one address for all users, whose failed logins then add up. Said
    once per process, at the first request that carries X-Forwarded-For."""
    warned = False

    @app.before_request
    def _proxy_warning():
        nonlocal warned
        if not warned and "X-Forwarded-For" in request.headers:
            warned = True
            app.logger.warning(
                "A request came with X-Forwarded-For but PROXY_COUNT is 0: every request is taken to come "
                "from %s (the proxy). Set PROXY_COUNT to the number of proxies in front of the app.",
                request.remote_addr)


def create_app(config_class=None):
    config_class = config_class or config_from_env()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class)

    if not app.config.get("SECRET_KEY"):
        if app.config["APP_ENV"] == "production":
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        app.config["SECRET_KEY"] = development_secret_key()
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
    else:
        warn_once_about_proxy_headers(app)
    from app import assets

    assets.register(app)
    # JSON as UTF-8, not \u escapes: the words of app.js (base.html) are Vietnamese, on every page.
    app.json.ensure_ascii = False

    # Names of modules in this package (app.htmx, …) shadow same-named imports
    # here, so the extensions are used through their module.
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, render_as_batch=True, compare_type=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale)
    ext.htmx.init_app(app)
    ext.compress.init_app(app)

    from app import errors, formatting, params
    from app.users import auth  # user loader, unauthorized handler, the session cookie

    app.session_interface = auth.IdleLimitCookie()

    errors.register(app)
    formatting.register(app)
    params.register(app)

    from app.api import bp as api_bp
    from app.api import pages as api_tokens_bp
    from app.api import routes as _api_routes  # noqa: F401  (the API's routes, on app.api.bp)
    from app.api import tokens as _api_tokens  # noqa: F401  (the token pages, on app.api.pages)
    from app.audit.routes import bp as audit_bp
    from app.dashboard.routes import bp as dashboard_bp
    from app.dhis2.routes import bp as dhis2_bp
    from app.equipment.routes import bp as equipment_bp
    from app.health import bp as health_bp
    from app.reports.routes import bp as reports_bp
    from app.resources.routes import bp as resources_bp
    from app.standards.routes import bp as standards_bp
    from app.training.routes import bp as training_bp
    from app.units.routes import bp as units_bp
    from app.users.routes import bp as users_bp
    from app.visits.routes import bp as visits_bp

    for bp in (health_bp, users_bp, units_bp, dashboard_bp, equipment_bp, visits_bp, reports_bp, audit_bp, resources_bp,
               training_bp, standards_bp, dhis2_bp, api_bp, api_tokens_bp):
        app.register_blueprint(bp)

    from app.backup import backup_command, restore_command
    from app.demo import demo_data_command
    from app.units.cli import units_cli
    from app.users.cli import users_cli

    for command in (demo_data_command, units_cli, users_cli, backup_command, restore_command):
        app.cli.add_command(command)

    from app.forms_base import csrf_token

    app.add_template_global(csrf_token)  # in place of Flask-WTF's global

    @app.context_processor
    def inject_globals():
        from app.access import can

        # csrf_token too: Flask-WTF's context processor (registered before this one) puts its own
        # generate_csrf in every page's context, over the template global.
        return {"can": can, "current_locale": str(get_locale()), "_": template_gettext(get_translations()),
                "csrf_token": csrf_token}

    from app.fragments import cached_fragment

    app.add_template_global(cached_fragment)

    from app.urls import fixed_url, url_for_id

    app.add_template_global(fixed_url)
    app.add_template_global(url_for_id)

    @app.template_global()
    def app_text() -> dict:
        """What app.js shows, in the user's language ({n}, {what}, {why} are filled in there);
        base.html keeps it as HTML per language (app.fragments)."""
        from flask_babel import gettext, ngettext

        return {
            "one": ngettext("%(n)s tap not sent yet", "%(n)s taps not sent yet", 1, n="{n}"),
            "other": ngettext("%(n)s tap not sent yet", "%(n)s taps not sent yet", 2, n="{n}"),
            "refused": gettext("Not counted: %(what)s. %(why)s", what="{what}", why="{why}"),
            "failed": gettext("The server refused it."),
            "ok": gettext("OK"),
            "undo": gettext("Undo last tap"),
            "offline": gettext("Not saved: the connection was lost. What you typed is still here; "
                               "send it again when the connection is back."),
        }

    @app.before_request
    def force_password_change():
        """A user whose password was reset must choose a new one before anything else."""
        if (
            request.blueprint != "api"  # the API takes no cookies: its user is its token's (app.api.auth)
            and current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in ("users.change_password", "users.logout", "static", "health.healthz",
                                         "users.set_language")
        ):
            from flask import url_for

            from app.htmx import redirect

            return redirect(url_for("users.change_password"))

    @app.after_request
    def security_headers(response):
        response.vary.add("HX-Request")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from app import pagecache

    pagecache.register(app)  # last: see its docstring
    return app
