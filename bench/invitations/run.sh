#!/usr/bin/env bash
# Invitation sending benchmark (issue 6: at least 3,000 mails a second to a
# local SMTP server with the rate limit lifted, the server's peak resident
# memory at most 150 MB).
#
# Builds vitrine (static), loads the demo campaign and 100,000 contacts
# (bench/contacts/gen, spread over every Walloon commune) into a fresh
# database, creates an admin API token, then runs bench/invitations, which
# starts `vitrine serve` as its own process with VITRINE_MAIL_RATE=0 against a
# minimal SMTP sink, sends one campaign to every contact through the API and
# reports mails/s and VmHWM. On SQLite, then on a throwaway PostgreSQL 15
# cluster with its default (durable) settings, or VITRINE_BENCH_POSTGRES
# (an empty database); ENGINES=sqlite skips PostgreSQL.
#
#   bash bench/invitations/run.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
engines=${ENGINES:-"sqlite postgres"}
work=$(mktemp -d)
cleanup() {
  if [ -n "${pgdata:-}" ]; then as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

CGO_ENABLED=0 go build -trimpath -o "$work/vitrine" ./cmd/vitrine
go build -o "$work/bench" ./bench/invitations
go run ./bench/contacts/gen -rows "$rows" -bad 0 -o "$work/contacts.csv"

prepare() { # dsn
  "$work/vitrine" migrate --db "$1" >/dev/null
  "$work/vitrine" demo --db "$1" >/dev/null
  "$work/vitrine" import contacts "$work/contacts.csv" --db "$1" 2>/dev/null | tail -n 1
  "$work/vitrine" user add "bench-$RANDOM@example.org" --role admin --token --db "$1" | tail -n 1
}

for engine in $engines; do
  case $engine in
  sqlite) dsn="sqlite:$work/bench.db" ;;
  postgres)
    dsn=${VITRINE_BENCH_POSTGRES:-}
    if [ -z "$dsn" ]; then
      if command -v initdb >/dev/null 2>&1; then pgbin=$(dirname "$(command -v initdb)")
      else pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
      pgdata="$work/pg"
      mkdir -p "$pgdata" && chmod 700 "$pgdata"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$work" "$pgdata"
      as_pg "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
      as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$work/pg.log" -w -o "-p 55498 -k $work -c listen_addresses=127.0.0.1" start >/dev/null
      dsn="postgres://postgres@127.0.0.1:55498/postgres?sslmode=disable"
    fi ;;
  esac
  out=$(prepare "$dsn")
  token=$(printf '%s\n' "$out" | tail -n 1)
  printf '%s import: %s\n' "$engine" "$(printf '%s\n' "$out" | head -n 1)"
  "$work/bench" -bin "$work/vitrine" -db "$dsn" -token "$token" -label "$engine"
done
