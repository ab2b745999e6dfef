#!/usr/bin/env bash
# Starts the local AWS emulator (moto_server, from the project's own
# virtualenv) on 127.0.0.1 at a free port, in the background, and prints the
# shell exports that point mdl at it. Usage, from the project's root:
#   eval "$(scripts/emulator.sh)"
# The emulator keeps running until `kill $MDL_EMULATOR_PID` (or the
# machine stops); it holds everything in memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
moto="$("$root/scripts/moto-env.sh")"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="${TMPDIR:-/tmp}/mdl-emulator-$port.log"
nohup "$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "mdl: moto_server did not start; its log is $log" >&2
  exit 1
fi
echo "mdl: moto_server listening on 127.0.0.1:$port (pid $pid; stop it with: kill \$MDL_EMULATOR_PID)" >&2
cat <<EXPORTS
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_REGION=eu-west-2
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
export MDL_EMULATOR_PID=$pid
EXPORTS
