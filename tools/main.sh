#!/usr/bin/env bash
# The main job: set up, build (release) and run the example through rscript.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh release
exec .build/release/rscript run scripts/examples/main.lua "$@"
