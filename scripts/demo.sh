#!/usr/bin/env bash
# Installs whatever is missing, builds the release widget, and runs the demo: the server on
# 127.0.0.1:8080 with the demo site, serving www/ and dist/, data in ./data/moments.db.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# The release widget only (scripts/build-widget.sh also builds the tests' crash variant).
node scripts/build-widget.mjs --out dist
node scripts/size-report.mjs
cargo build -p moments-server --profile demo --locked --quiet
# The admin API needs a key; a demo one unless you bring your own.
export MOMENTS_ADMIN_KEY="${MOMENTS_ADMIN_KEY:-demo-admin-key-for-this-demo-only}"
echo "admin API key for this demo: $MOMENTS_ADMIN_KEY"
exec "${CARGO_TARGET_DIR:-target}/demo/moments-server" --config moments.example.toml --demo
