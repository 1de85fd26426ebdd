# Sourced by the scripts: where the tools live.
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
# The release widget is built on this pinned nightly, with std rebuilt to abort at once on a
# panic (no panic messages, locations or Debug formatting in the download: 10 KiB brotli less).
# scripts/setup.sh installs it; everything else builds on stable.
export WIDGET_TOOLCHAIN=nightly-2026-10-30
