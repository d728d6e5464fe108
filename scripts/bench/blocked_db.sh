#!/usr/bin/env bash
# Blocked-database benchmark (issue 15): scripts/bench/blocked_db.sh [RSCRIPT] [COUNT] [LOCK_SECONDS]
# Runs scripts/bench/blocked_db.lua on a fresh database; see docs/benchmarks.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rscript=${1:-.build-release/release/rscript}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ulimit -n 4096 2>/dev/null || true
RSCRIPT_DB=$dir/g.db RSCRIPT_PLUGIN_PATH=$here "$rscript" run "$here/blocked_db.lua" "${2:-500}" "${3:-3}"
