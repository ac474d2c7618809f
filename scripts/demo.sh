#!/usr/bin/env bash
# Sets everything up and runs the demo: a hub and two simulated boards on 127.0.0.1.
# Extra arguments go to `classboard demo`, e.g. `--hub-port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/classboard demo "$@"
