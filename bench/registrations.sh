#!/usr/bin/env bash
# HTTP registrations against a real `vitrine serve` (issue 3): SQLite with the
# default DSN (synchronous=FULL) and PostgreSQL on a cluster of its own with
# the durable defaults (fsync=on, synchronous_commit=on), 64 and 256 clients,
# one session and 20 sessions, rate limiter off. Prints a Markdown table.
#
#   N=40000 bench/registrations.sh            # registrations per run (10,000)
#   BENCH_DIR=/dev/shm bench/registrations.sh  # both databases in that folder (here:
#                                              # memory, to tell the server's time from the disk's)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/vitrine-bench.XXXXXX")
export TMPDIR="$tmp"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
CGO_ENABLED=0 go build -trimpath -o "$tmp/vitrine" ./cmd/vitrine
go build -o "$tmp/regbench" ./bench/registrations
echo "$(date -u +%F) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(go version | cut -d' ' -f3)"
"$tmp/regbench" -bin "$tmp/vitrine" -engine sqlite -n "${N:-10000}"
mkdir "$tmp/pg" && chown postgres:postgres "$tmp/pg"
as_pg "$pgbin/initdb" -D "$tmp/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/log" -w -o "-p 55499 -k $tmp/pg -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
"$tmp/regbench" -bin "$tmp/vitrine" -engine postgres -pg "postgres://postgres@127.0.0.1:55499/postgres?sslmode=disable" -n "${N:-10000}" | tail -n +3
