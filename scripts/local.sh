#!/usr/bin/env bash
# The README's run line. Until the master lands it installs the dependencies and runs the
# allocator benchmarks; it will start a whole local cluster (`agora local`) once the master exists.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm run --silent bench:allocator -- "$@"
