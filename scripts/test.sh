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
# The tests link what the build made: a dev-dependency that changed the
# features of a crate both share would build it twice, and every crate above
# it (the SDK's tree among them). scripts/same-features.py says which.
features="$(mktemp -d)"
trap 'rm -rf "$features"' EXIT
cargo build --locked --message-format=json-render-diagnostics >"$features/build"
cargo test --locked --no-run --message-format=json-render-diagnostics >"$features/test"
python3 scripts/same-features.py "$features/build" "$features/test"
echo "== tests"
# Inputs per fuzz property (tests/integration/fuzz.rs).
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast --failure-output final
else
  cargo test --locked --no-fail-fast
fi
