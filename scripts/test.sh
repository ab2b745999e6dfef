#!/usr/bin/env bash
# The whole test suite, on a fresh machine: formatting, lints, unit and
# snapshot tests, and the end-to-end tests of the real binary against
# moto_server (installed into .tools/moto-venv by scripts/moto-env.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MDL_MOTO_SERVER="$(scripts/moto-env.sh)"
export MDL_MOTO_SERVER
# checkov, for the export's policy test, installs while mdl builds.
checkov_out="$(mktemp)"
scripts/checkov-env.sh >"$checkov_out" &
checkov_pid=$!

echo "== cargo fmt --check"
cargo fmt --check
echo "== build, linted by clippy (-D warnings)"
# clippy-driver compiles mdl in rustc's place (the workspace's wrapper; the
# dependencies are compiled by rustc as in any build), so clippy's lints
# run while the build compiles mdl, and the SDK's crates are compiled once.
# `cargo clippy` would compile them all again, in check mode: 8 minutes
# of a cold run on 2 cores. What it checks is what
# `cargo clippy --all-targets -- -D warnings` checks.
if ! clippy_driver="$(command -v clippy-driver)"; then
  echo "clippy-driver not found: install it with \`rustup component add clippy\`" >&2
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# The lints must be on: a probe clippy refuses under these settings.
probe="$(mktemp -d)"
printf 'pub fn probe(v: &[u8]) -> bool {\n    v.len() == 0\n}\n' >"$probe/probe.rs"
if "$clippy_driver" --edition 2024 --crate-type lib --emit metadata \
  -o "$probe/probe.rmeta" "$probe/probe.rs" 2>/dev/null; then
  echo "clippy-driver did not refuse a lint under CLIPPY_ARGS: the build would not be linted" >&2
  exit 1
fi
rm -rf "$probe"
# The tests link what the build made: a dev-dependency that changed the
# features of a crate both share would build it twice, and every crate above
# it (the SDK's tree among them). scripts/same-features.py says which.
features="$(mktemp -d)"
trap 'rm -rf "$features"' EXIT
cargo build --locked --message-format=json-render-diagnostics >"$features/build"
# --all-targets: the benches are compiled (and linted) too.
cargo test --locked --no-run --all-targets --message-format=json-render-diagnostics >"$features/test"
python3 scripts/same-features.py "$features/build" "$features/test"
if ! wait "$checkov_pid"; then
  echo "scripts/checkov-env.sh failed: checkov could not be installed" >&2
  exit 1
fi
MDL_CHECKOV="$(cat "$checkov_out")"
export MDL_CHECKOV
rm -f "$checkov_out"
echo "== tests"
# Inputs per fuzz property (tests/integration/fuzz.rs).
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"
if cargo nextest --version >/dev/null 2>&1; then
  # One test more than the machine has cores: many e2e tests wait on
  # purpose (latency the proxy injects, a signal's grace period), and the
  # cores would idle meanwhile.
  cargo nextest run --locked --no-fail-fast --failure-output final \
    --test-threads "$(($(nproc) + 1))"
else
  cargo test --locked --no-fail-fast
fi
