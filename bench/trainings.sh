#!/usr/bin/env bash
# Enrolments per second and aid approvals per second (issue 4), through the
# real HTTP server with 64 clients, on SQLite and on PostgreSQL with durable
# commits (fsync and synchronous_commit on, the server's defaults). Starts its
# own PostgreSQL cluster in a temporary folder (as the postgres user when run
# as root) and removes it at the end. Each run starts from a fresh database.
# Usage: bench/trainings.sh [extra flags for the benchmark, e.g. -enrolments 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$tmp"
port=${BENCH_PG_PORT:-55439}
cleanup() { as_pg "$pgbin/pg_ctl" -D "$tmp/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres bench

go build -trimpath -o "$tmp/bench" ./bench/trainings
echo "date: $(date -u +%Y-%m-%d)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(go version | cut -d' ' -f3); PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}')"
echo
"$tmp/bench" -db "sqlite:$tmp/bench.db" "$@"
echo
"$tmp/bench" -db "postgres://postgres@127.0.0.1:$port/bench?sslmode=disable" "$@"
