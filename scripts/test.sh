#!/usr/bin/env bash
# The full test suite: setup, typecheck, lint, then every test file (unit beside the code, e2e last).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint"; npx eslint . --max-warnings=0
echo "== tests"; node scripts/run-tests.mjs "$@"
