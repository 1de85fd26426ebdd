#!/usr/bin/env bash
# Prints throughput and latency of the two browser endpoints of an optimised server on
# loopback, on SQLite (a fresh file, WAL, synchronous=FULL) and on PostgreSQL (a throwaway
# cluster, fsync and synchronous_commit on), beside the floor: the smallest axum app
# (crates/server/examples/floor.rs, echoing the body) under the same wrk, scripts and bodies,
# with the ratio of each figure to the floor's. A benchmark, not a test: the figures depend
# on the machine. Needs wrk (apt-get install wrk). BENCH_CONNECTIONS (64), BENCH_SECONDS (10),
# BENCH_BATCH (answers per events batch, 1), BENCH_STORES ("sqlite postgres"). Each figure
# follows an unmeasured warm-up of BENCH_WARMUP seconds (3): a server that has just started
# is still opening pool connections and growing SQLite's write-ahead log (each fsync of a
# growing file also writes its size), as a server in service is not.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build -p moments-server --profile server --locked --quiet --bin moments-server --example floor
target="${CARGO_TARGET_DIR:-target}/server"
connections="${BENCH_CONNECTIONS:-64}"
seconds="${BENCH_SECONDS:-10}"
stores="${BENCH_STORES:-sqlite postgres}"
dir=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
if [[ " $stores " == *" postgres "* ]] && [ -z "${MOMENTS_TEST_POSTGRES_URL:-}" ]; then
  source scripts/postgres-cluster.sh
  trap 'cleanup; stop_postgres_cluster' EXIT
fi

wait_for() { for _ in $(seq 100); do curl -sf "$1" >/dev/null && return; sleep 0.1; done; echo "nothing answers at $1" >&2; exit 1; }
# wrk on $1 (a URL) with script $2: "requests/s p50 p99 non-2xx".
measure() {
  wrk -t2 -c"$connections" -d"${BENCH_WARMUP:-3}s" -s "benches/$2.lua" "$1" > /dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "benches/$2.lua" "$1" > "$dir/out"
  awk '/Requests\/sec/ { rps = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /Non-2xx/ { bad = $NF }
       END { printf "%.0f %s %s %d\n", rps, p50, p99, bad }' "$dir/out"
}

"$target/examples/floor" 127.0.0.1:18081 & pids+=($!)
wait_for http://127.0.0.1:18081/
declare -A result
for endpoint in session events; do
  export BENCH_SESSION=floor
  result[floor,$endpoint]=$(measure http://127.0.0.1:18081 "$endpoint")
done

port=18090
for store in $stores; do
  case $store in
    sqlite) url="sqlite://$dir/bench.db" ;;
    postgres) psql -q "$MOMENTS_TEST_POSTGRES_URL" -c "CREATE DATABASE bench"; url="${MOMENTS_TEST_POSTGRES_URL%/*}/bench" ;;
  esac
  port=$((port + 1))
  # One client address makes every request: rate limits off, as on a trusted network.
  MOMENTS_ADDR=127.0.0.1:$port MOMENTS_DATABASE_URL="$url" RUST_LOG=warn,sqlx::postgres::notice=error MOMENTS_RATE_LIMIT=off \
    "$target/moments-server" --demo >/dev/null & pids+=($!)
  wait_for "http://127.0.0.1:$port/readyz"
  # Events go in a session the server issued (session ids are signed).
  export BENCH_SESSION=$(curl -sf "http://127.0.0.1:$port/v1/session" -H 'content-type: application/json' \
    -d '{"site":"demo","visitor_id":"bench-visitor"}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
  for endpoint in session events; do
    result[$store,$endpoint]=$(measure "http://127.0.0.1:$port" "$endpoint")
  done
done

echo "POST /v1/session and /v1/events (one batch of ${BENCH_BATCH:-1} answer(s) a request), wrk 2 threads, $connections connections, $seconds s each, $(nproc) cores"
printf '%-10s %-9s %10s %9s %9s %8s %8s\n' endpoint store "req/s" p50 p99 non-2xx ratio
for endpoint in session events; do
  read -r floor_rps _ <<<"${result[floor,$endpoint]}"
  for store in floor $stores; do
    read -r rps p50 p99 bad <<<"${result[$store,$endpoint]}"
    printf '%-10s %-9s %10s %9s %9s %8s %8s\n' "$endpoint" "$store" "$rps" "$p50" "$p99" "$bad" "$(awk -v m="$rps" -v f="$floor_rps" 'BEGIN { printf "%.3f", m / f }')"
  done
done
