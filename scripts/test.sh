#!/usr/bin/env bash
# Sets everything up (system packages, venv) and runs the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/edge -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p tests/artifacts
exec .venv/bin/python -m pytest "$@"
