#!/usr/bin/env bash
# Quick start on a fresh machine: builds mdl, starts the local AWS emulator
# (moto_server on 127.0.0.1 at a free port), then runs `mdl plan` and
# `mdl apply` on an example. Usage: scripts/quickstart.sh [EXAMPLE.moodle]
# With KEEP=1 the emulator keeps running and the exports to reach it are
# printed, so that you can go on with `mdl plan`, `mdl destroy`, ...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
example="${1:-examples/prod.moodle}"

echo "== building mdl"
cargo build --quiet
mdl="$PWD/target/debug/mdl"

moto="$(scripts/moto-env.sh)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$moto" -H 127.0.0.1 -p "$port" >/tmp/mdl-quickstart-moto.log 2>&1 &
moto_pid=$!
if [ "${KEEP:-0}" != 1 ]; then
  trap 'kill $moto_pid 2>/dev/null || true' EXIT
fi
for _ in $(seq 1 300); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "== moto_server listening on 127.0.0.1:$port"

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=eu-west-2
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
work="target/quickstart"
rm -rf "$work"
mkdir -p "$work"
cp "$example" "$work/"
cd "$work"
file="$(basename "$example")"

echo "== mdl plan $file"
"$mdl" plan "$file"
echo
echo "== mdl apply $file --auto-approve"
"$mdl" apply "$file" --auto-approve
echo
echo "== mdl plan $file (again: nothing left to do)"
"$mdl" plan "$file"

if [ "${KEEP:-0}" = 1 ]; then
  echo
  echo "moto_server keeps running (pid $moto_pid). To go on:"
  echo "  cd $PWD"
  echo "  export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_REGION=eu-west-2 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
  echo "  $mdl destroy $file"
fi
