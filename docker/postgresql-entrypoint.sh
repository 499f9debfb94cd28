#!/bin/sh
# floe-test's PostgreSQL entrypoint (docker/postgresql.Dockerfile): initialise PGDATA on first
# start from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, then run postgres with the
# container's args ("-p 5432"), listening on every address with password (SCRAM) auth.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "floe-postgresql: POSTGRES_PASSWORD is empty; set it (the chart takes it from a Secret)" >&2
  exit 2
fi
mkdir -p "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "floe-postgresql: initialising $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
  secret=$(mktemp)
  trap 'rm -f "$secret"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$secret"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$secret" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$secret"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
