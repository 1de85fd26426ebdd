#!/usr/bin/env bash
# Prints throughput and latency of the two browser endpoints of an optimised server on
# loopback, over a fresh SQLite file (WAL, synchronous=FULL). A benchmark, not a test:
# the figures depend on the machine. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build -p moments-server --profile server --locked --quiet
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
MOMENTS_ADDR=127.0.0.1:18080 MOMENTS_DATABASE_URL="sqlite://$dir/bench.db" RUST_LOG=warn \
  "${CARGO_TARGET_DIR:-target}/server/moments-server" --demo >/dev/null &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done
for endpoint in session events; do
  echo "== POST /v1/$endpoint (10 s, 2 threads, 32 connections)"
  wrk -t2 -c32 -d10s --latency -s "benches/$endpoint.lua" http://127.0.0.1:18080 | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
done
echo "rows: $(sqlite3 "$dir/bench.db" 'SELECT (SELECT COUNT(*) FROM sessions) || " sessions, " || (SELECT COUNT(*) FROM events) || " events"')"
