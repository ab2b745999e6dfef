#!/usr/bin/env bash
# Creates (once) the project's own virtualenv holding moto_server, and prints
# the path of the moto_server executable. Idempotent: a second run only checks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MDL_MOTO_VENV:-$root/.tools/moto-venv}"
want="5.2.5"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto,sys; sys.exit(0 if moto.__version__=='$want' else 1)" 2>/dev/null; then
  echo "mdl: creating moto virtualenv in $venv (moto[server]==$want)" >&2
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$want" >&2
fi
echo "$venv/bin/moto_server"
