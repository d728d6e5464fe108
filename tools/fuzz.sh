#!/usr/bin/env bash
# Fuzzes the real rscript binary with random Lua scripts that call every function of every
# rscript.* module with adversarial arguments; counts crashes and hangs. See tools/fuzz/fuzz.py
# (usage: tools/fuzz.sh [CASES] [--seed S] [--bin PATH] [--out DIR]) and docs/reliability.md.
set -euo pipefail
exec python3 "$(dirname "$0")/fuzz/fuzz.py" "$@"
