#!/usr/bin/env bash
# The whole test suite, on a fresh machine: formatting, lints, unit and
# snapshot tests, and the end-to-end tests of the real binary against
# moto_server (installed into .tools/moto-venv by scripts/moto-env.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MDL_MOTO_SERVER="$(scripts/moto-env.sh)"
export MDL_MOTO_SERVER

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== build"
cargo build --locked
# The tests link what the build made: a dev-dependency that changed the
# features of a crate both share would rebuild it, and with it the SDK.
rebuilt="$(cargo test --locked --no-run 2>&1 | sed -n 's/^ *Compiling \([^ ]*\) .*/\1/p' | grep -vx mdl || true)"
if [ -n "$rebuilt" ]; then
  echo "error: building the tests rebuilt $(echo "$rebuilt" | wc -l) crates after cargo build:" >&2
  echo "$rebuilt" | head -20 >&2
  echo "a dev-dependency turns on a feature of a crate in the SDK's tree; turn it on in [dependencies] too (see \`either\` in Cargo.toml)" >&2
  exit 1
fi
echo "== tests"
# Inputs per fuzz property (tests/integration/fuzz.rs).
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast --failure-output final
else
  cargo test --locked --no-fail-fast
fi
