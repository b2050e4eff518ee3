"""flask --app wsgi backup PATH / restore PATH.

SQLite: SQLite's online backup (a consistent copy while the app runs, WAL
included), and the same API back into the database file on restore.
PostgreSQL: pg_dump in its custom format, and pg_restore --clean on restore
(PostgreSQL's client tools must be installed, at the server's version or newer).
"""
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from app.extensions import db


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise click.ClickException(_("An in-memory SQLite database cannot be backed up."))
    return url.database


def _libpq_url(url) -> str:
    """postgresql+psycopg://… as the plain postgresql://… URL pg_dump understands."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(
            _("%(tool)s is not installed (Debian: apt-get install postgresql-client).", tool=name))
    return path


def backup_to(path: Path) -> None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(str(path))
        try:
            with target:
                source.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
            source.close()
        if check != "ok":
            raise click.ClickException(_("The copy failed SQLite's integrity check: %(check)s", check=check))
    elif url.get_backend_name() == "postgresql":
        subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", _libpq_url(url)],
                       check=True)
    else:
        raise click.ClickException(_("No backup for %(kind)s databases.", kind=url.get_backend_name()))


def restore_from(path: Path) -> None:
    if not path.is_file():
        raise click.ClickException(_("%(path)s is not a file.", path=path))
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    db.session.remove()
    db.engine.dispose()  # this process's connections go before the data is replaced
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = source.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise click.ClickException(
                    _("%(path)s failed SQLite's integrity check: %(check)s", path=path, check=check))
            target = sqlite3.connect(_sqlite_path(url), timeout=30)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise click.ClickException(
                _("%(path)s is not an SQLite database: %(error)s", path=path, error=error)) from None
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        f"--dbname={_libpq_url(url)}", str(path)], check=True)
    else:
        raise click.ClickException(_("No restore for %(kind)s databases.", kind=url.get_backend_name()))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the database to PATH (safe while the app runs)."""
    backup_to(path)
    click.echo(_("Backup written to %(path)s", path=path))


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the whole database with the backup at PATH. Stop the app servers first."""
    if not yes:
        click.confirm(_("Replace every record of the database with %(path)s?", path=path), abort=True)
    restore_from(path)
    click.echo(_("Database restored from %(path)s", path=path))
