#!/usr/bin/env bash
# The one test command (README): install everything, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
python3 -m pytest -n 2 -p no:cacheprovider "$@"
