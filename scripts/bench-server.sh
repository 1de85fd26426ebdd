#!/usr/bin/env bash
# Prints throughput and latency of the two browser endpoints of an optimised server on
# loopback, over a fresh SQLite file (WAL, synchronous=FULL), beside the floor: the smallest
# axum app (crates/server/examples/floor.rs, echoing the body) under the same wrk, scripts
# and bodies, with the ratio of each figure to the floor's. A benchmark, not a test: the
# figures depend on the machine. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build -p moments-server --profile server --locked --quiet --bin moments-server --example floor
target="${CARGO_TARGET_DIR:-target}/server"
dir=$(mktemp -d)
trap 'kill $pid $floor 2>/dev/null; rm -rf "$dir"' EXIT
# One client address makes every request: rate limits off, as on a trusted network.
MOMENTS_ADDR=127.0.0.1:18080 MOMENTS_DATABASE_URL="sqlite://$dir/bench.db" RUST_LOG=warn MOMENTS_RATE_LIMIT=off \
  "$target/moments-server" --demo >/dev/null &
pid=$!
"$target/examples/floor" 127.0.0.1:18081 &
floor=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && curl -sf http://127.0.0.1:18081/ >/dev/null && break; sleep 0.1; done
# Events go in a session the server issued (session ids are signed).
export BENCH_SESSION=$(curl -sf http://127.0.0.1:18080/v1/session -H 'content-type: application/json' \
  -d '{"site":"demo","visitor_id":"bench-visitor"}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
connections="${BENCH_CONNECTIONS:-32}"
rate() { awk '/Requests\/sec/ { print $2 }'; }
for endpoint in session events; do
  echo "== POST /v1/$endpoint (10 s, 2 threads, $connections connections)"
  floor_rate=$(wrk -t2 -c"$connections" -d10s -s "benches/$endpoint.lua" http://127.0.0.1:18081 | rate)
  wrk -t2 -c"$connections" -d10s --latency -s "benches/$endpoint.lua" http://127.0.0.1:18080 | tee "$dir/out" | grep -E "Latency|50%|99%|Non-2xx"
  moments_rate=$(rate < "$dir/out")
  awk -v m="$moments_rate" -v f="$floor_rate" 'BEGIN { printf "moments %.0f req/s, floor (axum echo) %.0f req/s, ratio %.3f\n", m, f, m / f }'
done
echo "rows: $(sqlite3 "$dir/bench.db" 'SELECT (SELECT COUNT(*) FROM sessions) || " sessions, " || (SELECT COUNT(*) FROM events) || " events"')"
