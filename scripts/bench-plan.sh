#!/usr/bin/env bash
# Plan time of an example against the local emulator: starts moto_server
# on a free port, times `mdl plan` before anything exists, applies, then
# times RUNS re-plans of the applied estate (refresh of every kind plus the
# diff) and prints the median and the slowest.
# Usage: scripts/bench-plan.sh [EXAMPLE.moodle] [RUNS]
# PROFILE=release builds and times the release binary (default: debug).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
example="${1:-examples/prod.moodle}"
runs="${2:-10}"
profile="${PROFILE:-debug}"

if [ "$profile" = release ]; then
  cargo build --quiet --release
else
  cargo build --quiet
fi
mdl="$PWD/target/$profile/mdl"

moto="$(scripts/moto-env.sh)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$moto" -H 127.0.0.1 -p "$port" >/tmp/mdl-bench-moto.log 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=eu-west-2
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing

work="$(mktemp -d)"
cp "$example" "$work/"
cd "$work"
file="$(basename "$example")"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

start=$(date +%s%N)
"$mdl" plan "$file" >/dev/null
echo "plan before apply (nothing exists): $(ms "$start") ms"
"$mdl" apply "$file" --auto-approve >/dev/null
resources=$(grep -c '"address"' ".mdl/${file%.moodle}.state.json")
times=()
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$mdl" plan "$file" --detailed-exitcode >/dev/null
  times+=("$(ms "$start")")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
slowest=$(echo "$sorted" | tail -1)
echo "re-plan of $resources applied resources ($file, $profile build, $runs runs): median $median ms, slowest $slowest ms"
rm -rf "$work"
