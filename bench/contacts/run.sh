#!/usr/bin/env bash
# Contacts import benchmark (issue 6: at least 20,000 rows a second for
# 100,000 rows with a few hundred bad ones, on SQLite and PostgreSQL).
#
# Builds vitrine, writes realistic federation files (Windows-1252, ';',
# CRLF, French headers, quoted fields) with bench/contacts/gen, and times
# `vitrine import contacts` from start to exit on each engine:
#   bad        100,000 lines, 300 bad ones: every line checked, all rejected, nothing written
#   first      the same file without the bad lines: 100,000 contacts added
#   again      the same file again: nothing to write (100,000 unchanged)
#   changed    5,000 lines changed: 5,000 updated
#
# PostgreSQL: set VITRINE_BENCH_POSTGRES to the DSN of an empty database;
# otherwise a throwaway cluster with the default (durable) settings is
# started from the PostgreSQL server binaries on the machine.
#
#   bash bench/contacts/run.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
work=$(mktemp -d)
cleanup() {
  if [ -n "${pgdata:-}" ]; then as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

CGO_ENABLED=0 go build -trimpath -o "$work/vitrine" ./cmd/vitrine
go run ./bench/contacts/gen -rows "$rows" -bad 300 -o "$work/bad.csv"
go run ./bench/contacts/gen -rows "$rows" -bad 0 -o "$work/first.csv"
go run ./bench/contacts/gen -rows "$rows" -bad 0 -changed 5000 -o "$work/changed.csv"

dsn_pg=${VITRINE_BENCH_POSTGRES:-}
if [ -z "$dsn_pg" ]; then
  # initdb on the PATH, or where Debian's postgresql package puts it (as storetest does)
  if command -v initdb >/dev/null 2>&1; then pgbin=$(dirname "$(command -v initdb)")
  else pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  pgdata="$work/pg"
  mkdir -p "$pgdata" && chmod 700 "$pgdata"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$work" "$pgdata"
  as_pg "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$work/pg.log" -w -o "-p 55499 -k $work -c listen_addresses=127.0.0.1" start >/dev/null
  dsn_pg="postgres://postgres@127.0.0.1:55499/postgres?sslmode=disable"
fi

printf '%-10s %-8s %8s %9s %12s  %s\n' engine file lines seconds "lines/s" summary
run() { # engine dsn file
  local start end code out
  start=$(date +%s.%N)
  set +e
  out=$("$work/vitrine" import contacts "$work/$3.csv" --db "$2" 2>"$work/err" | tail -n 1)
  code=$?
  set -e
  end=$(date +%s.%N)
  awk -v e="$1" -v f="$3" -v n="$rows" -v s="$start" -v t="$end" -v o="$out" \
    'BEGIN { d = t - s; printf "%-10s %-8s %8d %9.2f %12.0f  %s\n", e, f, n, d, n / d, substr(o, 1, 60) }'
}
"$work/vitrine" migrate --db "sqlite:$work/bench.db" >/dev/null
"$work/vitrine" migrate --db "$dsn_pg" >/dev/null
for f in bad first again changed; do
  file=$f; [ "$f" = again ] && { cp "$work/first.csv" "$work/again.csv"; }
  run sqlite "sqlite:$work/bench.db" "$file"
done
for f in bad first again changed; do
  run postgres "$dsn_pg" "$f"
done
