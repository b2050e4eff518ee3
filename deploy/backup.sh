#!/usr/bin/env bash
# deploy/backup.sh backup | prune | restore-check
#
# Sổ Thư viện's nightly backup and weekly restore check, run by
# deploy/systemd/sothuvien-backup.service and sothuvien-restore-check.service
# with the settings of /etc/sothuvien/env:
#
#   backup         `flask backup` into BACKUP_DIR/sothuvien-YYYY-MM-DD_HHMMSS.dump
#                  (.db on SQLite), then prune
#   prune          keep the BACKUP_KEEP newest of those files, delete the older ones;
#                  no other file of BACKUP_DIR is touched
#   restore-check  `flask restore` the newest backup into RESTORE_CHECK_DATABASE_URL
#                  (a scratch database, never the live one), then read every table
#                  of it back; fails when the newest backup is over two days old
#
# BACKUP_DIR (/var/backups/sothuvien), BACKUP_KEEP (14), DATABASE_URL,
# RESTORE_CHECK_DATABASE_URL. The app is the checkout this script is in.
set -euo pipefail
umask 077

app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
flask=("$app_dir/.venv/bin/flask" --app wsgi)
python="$app_dir/.venv/bin/python"
backup_dir=${BACKUP_DIR:-/var/backups/sothuvien}
keep=${BACKUP_KEEP:-14}
# Only names this script writes are counted, kept or deleted.
stamp='[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]'

say() { echo "backup.sh: $*"; }
die() { echo "backup.sh: $*" >&2; exit 1; }

check_dir() {
  [ -d "$backup_dir" ] || die "$backup_dir does not exist: install -d -o sothuvien -g sothuvien -m 0750 $backup_dir"
}

check_keep() {
  if ! [[ $keep =~ ^[0-9]+$ ]] || (( 10#$keep < 1 )); then
    die "BACKUP_KEEP must be a whole number of 1 or more, not '$keep'"
  fi
  keep=$((10#$keep))
}

backups() {  # this script's backups in backup_dir, newest first (the names sort by time)
  find "$backup_dir" -maxdepth 1 -type f \( -name "sothuvien-$stamp.dump" -o -name "sothuvien-$stamp.db" \) \
    -printf '%f\n' | LC_ALL=C sort -r
}

prune() {
  check_dir
  check_keep
  local names
  mapfile -t names < <(backups)
  for name in "${names[@]:keep}"; do
    rm -f -- "${backup_dir:?}/$name"
    say "removed $name (keeping the $keep newest)"
  done
}

backup() {
  check_dir
  check_keep
  [ -w "$backup_dir" ] || die "$backup_dir is not writable by $(id -un)"
  local extension=dump
  case "${DATABASE_URL:-sqlite}" in sqlite*) extension=db ;; esac
  local name
  name="sothuvien-$(date +%Y-%m-%d_%H%M%S).$extension"
  # Written under another name first: an interrupted backup is never the newest one.
  partial="$backup_dir/.$name.partial"
  trap 'rm -f -- "$partial"' EXIT
  (cd "$app_dir" && "${flask[@]}" backup "$partial")
  mv -- "$partial" "$backup_dir/$name"
  say "wrote $backup_dir/$name ($(du -h "$backup_dir/$name" | cut -f1))"
  prune
}

database_name() {  # the last part of a database URL's path, without its query
  local url=${1%%\?*}
  echo "${url##*/}"
}

restore_check() {
  check_dir
  local url=${RESTORE_CHECK_DATABASE_URL:-}
  [ -n "$url" ] || die "RESTORE_CHECK_DATABASE_URL is not set: name a scratch database (createdb -O sothuvien sothuvien_restore_check)"
  if [ "$(database_name "$url")" = "$(database_name "${DATABASE_URL:-sqlite:///sothuvien.db}")" ]; then
    die "RESTORE_CHECK_DATABASE_URL names a database called like the live one ($(database_name "$url")): refused"
  fi
  local names
  mapfile -t names < <(backups)
  [ "${#names[@]}" -gt 0 ] || die "no backup in $backup_dir"
  local newest="$backup_dir/${names[0]}"
  if [ -n "$(find "$newest" -mmin +2880)" ]; then
    die "the newest backup, $newest, is more than two days old: see systemctl status sothuvien-backup.timer"
  fi
  (cd "$app_dir" && DATABASE_URL="$url" "${flask[@]}" restore --yes "$newest")
  (cd "$app_dir" && DATABASE_URL="$url" "$python" - "$newest" <<'PYTHON'
import os
import sys

from sqlalchemy import create_engine, inspect, text

from config import normalise_database_url

engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
with engine.connect() as connection:
    tables = sorted(inspect(connection).get_table_names())
    missing = {"alembic_version", "unit", "user_account", "audit_event"} - set(tables)
    if missing:
        sys.exit(f"backup.sh: {sys.argv[1]} restored without the tables {', '.join(sorted(missing))}")
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if not revision:
        sys.exit(f"backup.sh: {sys.argv[1]} restored without a migration revision")
    rows = {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() for table in tables}
engine.dispose()
print(f"backup.sh: {sys.argv[1]} restores: migration {revision}, {len(tables)} tables, {sum(rows.values())} rows "
      f"({', '.join(f'{table} {count}' for table, count in rows.items() if count)})")
PYTHON
  )
}

case "${1:-}" in
  backup) backup ;;
  prune) prune ;;
  restore-check) restore_check ;;
  *) die "usage: $0 backup | prune | restore-check" ;;
esac
