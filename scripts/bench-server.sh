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
# One client address makes every request: rate limits off, as on a trusted network.
MOMENTS_ADDR=127.0.0.1:18080 MOMENTS_DATABASE_URL="sqlite://$dir/bench.db" RUST_LOG=warn MOMENTS_RATE_LIMIT=off \
  "${CARGO_TARGET_DIR:-target}/server/moments-server" --demo >/dev/null &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done
# Events go in a session the server issued (session ids are signed).
export BENCH_SESSION=$(curl -sf http://127.0.0.1:18080/v1/session -H 'content-type: application/json' \
  -d '{"site":"demo","visitor_id":"bench-visitor"}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
for endpoint in session events; do
  echo "== POST /v1/$endpoint (10 s, 2 threads, 32 connections)"
  wrk -t2 -c32 -d10s --latency -s "benches/$endpoint.lua" http://127.0.0.1:18080 | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
done
echo "rows: $(sqlite3 "$dir/bench.db" 'SELECT (SELECT COUNT(*) FROM sessions) || " sessions, " || (SELECT COUNT(*) FROM events) || " events"')"
