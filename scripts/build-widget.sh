#!/usr/bin/env bash
# Builds the release widget into dist/ (scripts/build-widget.mjs): moments.js (the loader a
# host includes), the hashed glue, main module and chunks it loads, each also as .br and .gz.
# Prints the sizes a host downloads. Then a test-only build into dist-crash/ for the
# end-to-end crash test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
node scripts/build-widget.mjs --out dist
node scripts/size-report.mjs
# The same release build with crashForTesting() exported, for the end-to-end crash test only.
node scripts/build-widget.mjs --out dist-crash --features crash-for-testing
