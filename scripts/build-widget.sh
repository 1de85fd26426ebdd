#!/usr/bin/env bash
# Builds the release widget into dist/: moments.js (the loader a host includes) and the
# hashed glue and wasm it loads. Prints the sizes a host downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
trunk build --release --offline --quiet
node scripts/size-report.mjs
