#!/usr/bin/env bash
# Builds the release widget into dist/: moments.js (the loader a host includes) and the
# hashed glue and wasm it loads. Prints the sizes a host downloads. Then a test-only build
# into dist-crash/ for the end-to-end crash test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# The pinned nightly, std rebuilt with panic = immediate-abort (see scripts/env.sh). Only for
# the wasm target: build scripts and proc macros do not see RUSTFLAGS when --target is given.
export RUSTUP_TOOLCHAIN="$WIDGET_TOOLCHAIN"
export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
# std's own smaller algorithms where it has two (sorting, formatting): 0.4 KiB less.
export CARGO_UNSTABLE_BUILD_STD_FEATURES="optimize_for_size"
# What a host downloads, also compressed once at the highest quality: the server sends the
# .br or .gz file to a browser that accepts it.
compress() {
  for file in "$1"/moments*.js "$1"/moments*_bg.wasm; do
    brotli --force --best --keep "$file"
    gzip --force --best --keep "$file"
  done
}
trunk build --release --offline --quiet
compress dist
node scripts/size-report.mjs
# The same release build with crashForTesting() exported, for the end-to-end crash test only.
trunk build --release --offline --quiet --features crash-for-testing --dist dist-crash
compress dist-crash
