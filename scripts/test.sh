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
echo "== tests"
# Inputs per fuzz property (tests/integration/fuzz.rs).
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast --failure-output final
else
  cargo test --locked --no-fail-fast
fi
