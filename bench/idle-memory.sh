#!/usr/bin/env bash
# Resident memory of `vitrine serve --demo` at rest (issue 2: ≤ 50 MB).
# Builds the static binary, starts it on a fresh SQLite database with the demo,
# loads the home page, the communes page and the communes API once, waits, and
# reads VmRSS (now) and VmHWM (peak) from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$tmp/vitrine" ./cmd/vitrine
"$tmp/vitrine" serve --demo --db "sqlite:$tmp/idle.db" --addr 127.0.0.1:18931 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18931/healthz >/dev/null 2>&1 && break; sleep 0.1; done
for p in / /communes /api/v1/communes /communes?q=li; do curl -fs "http://127.0.0.1:18931$p" >/dev/null; done
sleep "${IDLE_SECONDS:-10}"
grep -E 'VmRSS|VmHWM' /proc/$pid/status
ls -l "$tmp/vitrine" | awk '{printf "binary size: %.1f MB\n", $5/1048576}'
file "$tmp/vitrine" 2>/dev/null | grep -o 'statically linked' || true
