#!/usr/bin/env bash
# Creates (once) the project's own virtualenv holding checkov, the policy
# scanner the export test runs over every example's CloudFormation, and
# prints the path of the checkov executable. Idempotent: a second run only
# checks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MDL_CHECKOV_VENV:-$root/.tools/checkov-venv}"
want="3.3.30"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/checkov" ] || ! "$venv/bin/python" -c "import checkov.version as v,sys; sys.exit(0 if v.version=='$want' else 1)" 2>/dev/null; then
  echo "mdl: creating checkov virtualenv in $venv (checkov==$want)" >&2
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$want" >&2
fi
echo "$venv/bin/checkov"
