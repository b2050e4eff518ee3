"""Configuration, read from the environment.

DATABASE_URL  SQLAlchemy URL; default: SQLite file instance/sothuvien.db
SECRET_KEY    signs sessions and CSRF tokens; in development a key is generated
              once into instance/secret_key when absent
APP_ENV       development (default) | production | test
PROXY_COUNT   reverse proxies in front of gunicorn whose X-Forwarded-For is trusted (0)
SESSION_MAX_AGE_DAYS  a login ends this many days after it began, in use or not (7)
WEAR_THRESHOLD_VND    the unit value from which equipment is a fixed asset and wears (10000000)
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def development_secret_key() -> str:
    """A key made once and kept in instance/, so restarts keep sessions."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    APP_ENV = "development"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'sothuvien.db'}")
    )
    # A server database may drop idle connections, so each is checked when taken
    # from the pool; a SQLite file cannot, and the check was a query per request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": not SQLALCHEMY_DATABASE_URI.startswith("sqlite")}
    SECRET_KEY = os.environ.get("SECRET_KEY")

    # Sessions: the cookie is signed, HttpOnly, SameSite=Lax; Secure in production.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    DEVICE_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    # The absolute limit: a server-side session older than this no longer loads.
    SESSION_MAX_AGE = 60 * 60 * 24 * float(os.environ.get("SESSION_MAX_AGE_DAYS", "7"))
    REMEMBER_COOKIE_DURATION = 0

    # A form left open for hours on a slow phone must still post.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    # The JSON API (app.api): calls per token in each fixed window of API_RATE_WINDOW seconds.
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))
    API_RATE_WINDOW = int(os.environ.get("API_RATE_WINDOW", "60"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Flask-Babel resolves relative paths against app/, so give it an absolute one.
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("vi", "en")

    # Login throttling (see app/users/auth.py): counted in the database so it holds
    # across app servers. A browser that has logged in to an account before carries
    # a signed device cookie for it; its failures count against that device only.
    # Failures from other browsers count per account, per account and address and
    # per address, and their locks never stop a known device's correct login.
    LOGIN_MAX_FAILURES_PER_DEVICE = 5
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 30
    LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    # Each lock of the same counter lasts twice as long as the one before, up to the cap;
    # a counter with no lock for a day starts again from the first length.
    LOGIN_LOCK_MINUTES = 15
    LOGIN_LOCK_MAX_MINUTES = 24 * 60

    # Equipment wear (app/equipment/wear.py): an item is a fixed asset, and wears, from this unit value in
    # đồng (Thông tư 23/2023/TT-BTC, Article 3: 10,000,000 ₫).
    WEAR_THRESHOLD_VND = int(os.environ.get("WEAR_THRESHOLD_VND", "10000000"))
    LOGIN_LOCK_RESET_HOURS = 24
    DEVICE_COOKIE_NAME = "device"
    DEVICE_COOKIE_DAYS = 365

    # Number of reverse proxies in front of gunicorn whose X-Forwarded-For is trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    MAX_CONTENT_LENGTH = 4 * 1024 * 1024

    # Pages and htmx answers compressed (Flask-Compress): brotli or gzip, as the
    # browser asks. Static files come pre-compressed from app/assets.py, and
    # downloads (xlsx, csv: streamed or not in this list) are sent as they are.
    COMPRESS_MIMETYPES = ["text/html", "application/json"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_STREAMS = False

    # Pages kept per session under the data's generation (app/pagecache.py): bytes per process
    # (0: none kept), and the longest a kept page is served.
    PAGE_CACHE_BYTES = int(os.environ.get("PAGE_CACHE_BYTES", str(16 * 1024 * 1024)))
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "120"))


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    DEVICE_COOKIE_SECURE = True


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite://")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": not SQLALCHEMY_DATABASE_URI.startswith("sqlite")}
    SECRET_KEY = "test-secret-key"


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_env():
    return CONFIGS.get(os.environ.get("APP_ENV", "development"), DevelopmentConfig)
