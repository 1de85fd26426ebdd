#!/usr/bin/env bash
# Installs whatever is missing, then runs every test: native (protocol, server against real
# SQLite, then the server's suite against a real PostgreSQL), schemathesis against the server's OpenAPI document, the widget in headless
# Chromium, and end to end (real server, release widget, Chromium). `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "formatting and lints: rustfmt (the pinned nightly, for grouped imports) and clippy"
cargo +"$WIDGET_TOOLCHAIN" fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "release widget build"
scripts/build-widget.sh

step "experiment statistics fixtures against GrowthBook's engine (gbstats)"
.venv-gbstats/bin/python scripts/gbstats_fixtures.py --check

step "comment themes' ranking fixture against its Python reference"
.venv-gbstats/bin/python scripts/themes_reference.py --check

step "native tests: cargo test --workspace (the server's integration suite on SQLite)"
cargo test --workspace --locked

step "the server's integration suite again, on PostgreSQL"
if [ -z "${MOMENTS_TEST_POSTGRES_URL:-}" ]; then
  source scripts/postgres-cluster.sh
fi
MOMENTS_TEST_DATABASE=postgres cargo test -p moments-server --test api --locked

step "schemathesis: the server against its own /openapi.json"
.venv/bin/python tests/schemathesis/run.py "${CARGO_TARGET_DIR:-target}/debug/moments-server" 30

step "widget tests in headless Chromium"
cargo test -p moments --target wasm32-unknown-unknown --test browser --locked

step "size, the element's contract and its types, end to end (the React and Vue examples among them)"
cargo build -p moments-server --locked --quiet
node --test --test-concurrency=1 tests/size.test.mjs tests/contract.test.mjs tests/e2e/
