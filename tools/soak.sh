#!/usr/bin/env bash
# Soak benchmark (issue 15 §4): 10,000 renders, 20,000 jobs and 200,000 pool tasks through one
# runtime; its resident memory after the first tenth and after the last must stay within 20 MB.
#   tools/soak.sh [ROUNDS]    (default 100 rounds of 100 renders, 200 jobs, 2,000 pool tasks)
# Uses the release build (swift build -c release --scratch-path .build-release); not part of CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${RSCRIPT:-$root/.build-release/release/rscript}"
[ -x "$bin" ] || { echo "soak: no release build at $bin (swift build -c release --scratch-path .build-release)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/rscript-soak-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export RSCRIPT_DB="$work/soak.db"
export RSCRIPT_PLUGIN_PATH="$root/tools/soak/plugins"
export TMPDIR="$work"
cd "$work"
"$bin" run "$root/tools/soak/soak.lua" "${1:-100}"
