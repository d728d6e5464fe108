#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the Swift unit tests and the end-to-end
# tests that drive the real `rscript` binary (scripts, examples, the REPL under a pty).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh debug
echo "==> swift build --build-tests"
swift build --build-tests
echo "==> swift test"
RSCRIPT_BIN="$PWD/.build/debug/rscript" swift test --skip-build --parallel --num-workers 2
