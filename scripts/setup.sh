#!/usr/bin/env bash
# Installs whatever this project needs and is missing. Idempotent: a second run skips
# everything already there. Facts behind each step: ../shared/TOOLCHAIN.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The splitter that makes the release widget's chunks (scripts/build-widget.mjs).
WASM_SPLIT_VERSION=0.2.4
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly, and Trunk.toml (the
# development server's settings) must agree.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! grep -q "^wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
  echo "setup: Trunk.toml [tools] wasm_bindgen must be \"$WASM_BINDGEN_VERSION\" (the version in Cargo.lock)" >&2
  exit 1
fi

missing_packages=()
# Firefox and WebKit (Safari's engine, with its WebDriver and a virtual display) for the
# cross-engine end-to-end tests.
for tool in chromium:chromium chromedriver:chromium-driver sqlite3:sqlite3 brotli:brotli \
  firefox-esr:firefox-esr WebKitWebDriver:webkit2gtk-driver Xvfb:xvfb; do
  command -v "${tool%%:*}" >/dev/null || missing_packages+=("${tool##*:}")
done
# PostgreSQL's server: the integration suite runs a second time on a throwaway cluster.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing_packages+=(postgresql)
# A CJK font, so the zh-CN and zh-TW screenshots of the tests show text, not boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing_packages+=(fonts-wqy-zenhei)
if ((${#missing_packages[@]})); then
  say "apt-get install ${missing_packages[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/puppeteer-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (wasm-opt, playwright-core, puppeteer-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! rustup component list --toolchain "$WIDGET_TOOLCHAIN" --installed 2>/dev/null | grep -q '^rust-src' \
  || ! rustup component list --toolchain "$WIDGET_TOOLCHAIN" --installed 2>/dev/null | grep -q '^rustfmt' \
  || ! rustup target list --toolchain "$WIDGET_TOOLCHAIN" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  # rustfmt from the same nightly: rustfmt.toml groups imports, which stable rustfmt cannot.
  say "rustup toolchain install $WIDGET_TOOLCHAIN (the release widget's, with rust-src and rustfmt)"
  rustup toolchain install "$WIDGET_TOOLCHAIN" --profile minimal --component rust-src --component rustfmt --target wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # No --locked: one of its locked dependencies is missing from the registry.
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! cargo install --list | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION (wasm-split-cli, about 1 minute)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --force
fi

# Schemathesis (the API fuzzer the tests run against /openapi.json), in a venv of the repo.
SCHEMATHESIS_VERSION=4.32.5
if [ "$(.venv/bin/schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  say "pip install schemathesis $SCHEMATHESIS_VERSION (into .venv)"
  if ! python3 -m venv .venv 2>/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# GrowthBook's statistics engine, the reference the experiment statistics are checked against
# (scripts/gbstats_fixtures.py), in its own venv: it pins pandas and numpy below what other
# tools may want.
GBSTATS_VERSION=0.8.0
if [ "$(.venv-gbstats/bin/python -c 'import importlib.metadata as m; print(m.version("gbstats"))' 2>/dev/null)" != "$GBSTATS_VERSION" ]; then
  say "pip install gbstats $GBSTATS_VERSION (into .venv-gbstats)"
  python3 -m venv .venv-gbstats
  .venv-gbstats/bin/pip install --quiet --disable-pip-version-check "gbstats==$GBSTATS_VERSION"
fi

# The release widget builds offline, so every crate must already be here: ours, and those of
# the nightly's std, which it rebuilds (-Zbuild-std).
cargo fetch --locked --quiet
cargo +"$WIDGET_TOOLCHAIN" fetch --quiet --manifest-path "$(rustc +"$WIDGET_TOOLCHAIN" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
say "ready"
