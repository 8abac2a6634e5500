#!/usr/bin/env bash
# Sourced by the make targets: with DATABASE_URL unset, starts the project-local PostGIS cluster under var/pg
# (unix socket only, so it never clashes with a server already on port 5432) and exports its DATABASE_URL.
if [ -z "${DATABASE_URL:-}" ]; then
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  pgbin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
  as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  mkdir -p "$root/var"
  if [ ! -e "$root/var/pg" ]; then
    # PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user; when that user
    # cannot reach this folder (a clone inside a private temporary folder), the cluster lives in /var/tmp.
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$root/var"; then
      alt=/var/tmp/civic-pg-$(printf '%s' "$root" | sha256sum | cut -c1-12)
      echo "==> $root is private to root; the local database cluster lives in $alt (linked as var/pg)"
      mkdir -p "$alt" && ln -s "$alt" "$root/var/pg"
    else
      mkdir -p "$root/var/pg"
    fi
  fi
  pgdir=$(cd "$root/var/pg" && pwd -P)
  [ "$(id -u)" = 0 ] && chown postgres: "$pgdir"
  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    echo "==> Creating the project-local PostgreSQL cluster in $pgdir"
    as_owner "$pgbin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner mkdir -p "$pgdir/run"
  if ! as_owner "$pgbin/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; then
    echo "==> Starting the project-local PostgreSQL cluster"
    as_owner "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $pgdir/run" start >/dev/null
  fi
  psql_local() { as_owner psql -h "$pgdir/run" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
  # PostGIS in template1 so the test database inherits it; then the project's own database.
  psql_local -d template1 -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  psql_local -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'civic'" | grep -q 1 \
    || psql_local -d postgres -c "CREATE DATABASE civic" >/dev/null
  # Again in the project's database, which may have been made before PostGIS was installed.
  psql_local -d civic -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  DATABASE_URL="postgres://postgres@$(printf '%s' "$pgdir/run" | sed 's|/|%2F|g')/civic"
  export DATABASE_URL
fi
