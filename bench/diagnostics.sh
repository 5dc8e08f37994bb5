#!/usr/bin/env bash
# Load test of POST /api/v1/diagnostics (issue 5): the real server in its own
# process on a fresh SQLite database with the demo campaign (its training
# catalogue feeds the plans), the rate limiter off, and the load
# generator posting diagnostics from CLIENTS concurrent clients. Prints the
# machine's load before and after, then the loadgen's figures.
#
#   bench/diagnostics.sh                 # 64 clients, 30 s after 5 s of warm-up
#   CLIENTS=32 DURATION=60s bench/diagnostics.sh
#   RATE=1000 bench/diagnostics.sh           # 1,000 a second between the 64 clients
#   DBDIR=/dev/shm bench/diagnostics.sh      # the database in that folder (here: memory,
#                                            # to tell the server's time from the disk's)
#   BIN=./vitrine-old bench/diagnostics.sh   # that build of the server, to compare two
#                                            # builds run by turns
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
dbdir=$(mktemp -d "${DBDIR:-$dir}/vitrine-bench.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dbdir" "$dir"
}
trap cleanup EXIT
port=${PORT:-18090}

if [ -n "${BIN:-}" ]; then cp "$BIN" "$dir/vitrine"; else CGO_ENABLED=0 go build -trimpath -o "$dir/vitrine" ./cmd/vitrine; fi
go build -o "$dir/loadgen" ./bench/diagnostics

VITRINE_RATE_LIMIT=0 VITRINE_DB="sqlite:$dbdir/bench.db" VITRINE_ADDR="127.0.0.1:$port" \
  "$dir/vitrine" serve --demo 2>"$dir/server.log" &
pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$dir/loadgen" -url "http://127.0.0.1:$port" -c "${CLIENTS:-64}" -d "${DURATION:-30s}" -warmup "${WARMUP:-5s}" -rate "${RATE:-0}"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
# The group commit, from the server's /metrics (warm-up included): how many
# batches, their mean size and duration, and how many took over 25 and 100 ms
# (a slow flush of the disk holds every diagnostic of its batch).
curl -fs "http://127.0.0.1:$port/metrics" | awk '
  /^vitrine_diagnostic_batch_size_(sum|count)/ { v[$1] = $2 }
  /^vitrine_diagnostic_batch_duration_seconds_(sum|count)/ { v[$1] = $2 }
  /^vitrine_diagnostic_batch_duration_seconds_bucket\{le="0.025"\}/ { le25 = $2 }
  /^vitrine_diagnostic_batch_duration_seconds_bucket\{le="0.1"\}/ { le100 = $2 }
  END {
    n = v["vitrine_diagnostic_batch_size_count"]
    if (n > 0) printf "batches: %d, mean size %.1f, mean duration %.2f ms, %d over 25 ms, %d over 100 ms\n",
      n, v["vitrine_diagnostic_batch_size_sum"] / n, 1000 * v["vitrine_diagnostic_batch_duration_seconds_sum"] / n,
      n - le25, n - le100
  }'
created=$(grep -c '"status":201' "$dir/server.log" || true)
# utime + stime of the server, in clock ticks (fields 14 and 15 of /proc/PID/stat).
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
echo "server: $created diagnostics created (warm-up included), $(grep -c '"level":"ERROR"' "$dir/server.log" || true) errors logged," \
  "CPU $(awk -v t="$ticks" -v hz="$hz" -v n="$created" 'BEGIN { printf "%.0f µs", t / hz * 1e6 / (n > 0 ? n : 1) }') a diagnostic," \
  "peak RSS $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status")," \
  "$(awk -v n="$created" '/^write_bytes/ {printf "%.1f kB", $2 / 1024 / (n > 0 ? n : 1)}' "/proc/$pid/io") written to disk a diagnostic"
