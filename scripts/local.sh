#!/usr/bin/env bash
# The README's run line: installs what is missing, then runs a whole local cluster in the
# foreground (`agora local`: a master and two agents; Ctrl-C stops everything). Extra arguments
# go to `agora local` (see `npx agora local --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node apps/cli/bin/agora.js local "$@"
