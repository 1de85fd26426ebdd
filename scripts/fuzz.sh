#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo fuzz) of the parsers that read what
# strangers send: `scripts/fuzz.sh SECONDS` runs each target for that long (default 60).
# Installs the nightly toolchain and cargo-fuzz when they are missing. Findings (inputs that
# crash) land in fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds="${1:-60}"
say() { printf '\033[1mfuzz:\033[0m %s\n' "$*"; }

if ! rustup toolchain list | grep -q '^nightly'; then
  say "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cd fuzz
status=0
for target in event_batch signed_token experiment_definition; do
  say "$target for ${seconds}s"
  mkdir -p "corpus/$target"
  if ! cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096 2>&1 | tail -n 4; then
    status=1
    say "$target found a crash: see fuzz/artifacts/$target/"
  fi
done
exit $status
