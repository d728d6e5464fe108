#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the Swift unit tests and the end-to-end
# tests that drive the real `rscript` binary (scripts, examples, plugins with POV-Ray and
# Blender, pools and jobs with real worker processes, the REPL under a pty).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh debug
echo "==> swift build --build-tests"
swift build --build-tests
echo "==> swift test"
report=$(mktemp -d)/tests.xml
status=0
RSCRIPT_BIN="$PWD/.build/debug/rscript" swift test --skip-build --disable-swift-testing \
  --parallel --num-workers 2 --xunit-output "$report" || status=$?
# One closing line with the counts, from the XUnit report.
if [ -f "$report" ]; then
  python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.iter("testcase")
passed = failed = skipped = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print("FAILED:", case.get("classname"), case.get("name"))
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
fi
exit $status
