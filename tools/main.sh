#!/usr/bin/env bash
# The main job: set up, build (release), and render the example scene with POV-Ray through the
# shipped Lua plugin, recorded in the gallery (`rscript gallery list` shows it afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh release
exec .build/release/rscript render scripts/examples/scenes/spheres.pov --renderer POV-Ray --res 640x480 "$@"
