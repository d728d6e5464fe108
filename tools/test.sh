#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the Swift unit tests and the end-to-end
# tests that drive the real `rscript` binary (scripts, examples, plugins with POV-Ray and
# Blender, pools and jobs with real worker processes, the REPL under a pty), then the fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh debug
# The web server's tests talk to it with the Python clients studios use (PyPI); the page of
# `rscript serve` is tested in headless Chromium through selenium.
echo "==> python3 -m pip install requests websocket-client selenium"
python3 -m pip install -q --disable-pip-version-check requests websocket-client selenium 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check --break-system-packages requests websocket-client selenium
echo "==> swift build --build-tests"
swift build --build-tests
# The release binary: the 200 MB upload test runs through it (a debug build's multipart
# parser would take minutes), as a user's server would.
echo "==> swift build -c release --product rscript (.build-release)"
swift build -c release --static-swift-stdlib --product rscript --scratch-path .build-release
export RSCRIPT_RELEASE_BIN="$PWD/.build-release/release/rscript"
echo "==> tools/slurm.sh start (the single-node cluster of the Slurm tests)"
bash tools/slurm.sh start || echo "tools/slurm.sh start failed: the Slurm tests will fail"
echo "==> swift test"
report=$(mktemp -d)/tests.xml
status=0
RSCRIPT_BIN="$PWD/.build/debug/rscript" swift test --skip-build --disable-swift-testing \
  --parallel --num-workers 2 --xunit-output "$report" || status=$?
bash tools/slurm.sh stop || true
# The counts of the Swift tests, from the XUnit report: "passed failed skipped".
counts="0 1 0"
if [ -f "$report" ]; then
  counts=$(python3 - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
passed = failed = skipped = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print("FAILED:", case.get("classname"), case.get("name"), file=sys.stderr)
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(passed, failed, skipped)
PY
)
fi
read -r passed failed skipped <<<"$counts"
echo "swift tests: $passed passed, $failed failed, $skipped skipped"
# The fuzzer (docs/reliability.md): the surface check, the regression cases, and 1,000 cases
# with a fixed seed plus 1,000 with the day's seed. Its cases count in the closing line.
echo "==> tools/fuzz.sh 1000 --seed 1 --seed daily"
fuzz_log=$(mktemp)
fuzz_status=0
bash tools/fuzz.sh 1000 --seed 1 --seed daily 2>&1 | tee "$fuzz_log" || fuzz_status=$?
read -r fuzz_passed fuzz_failed < <(tail -n 1 "$fuzz_log" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p') || true
if [ -z "${fuzz_passed:-}" ]; then fuzz_passed=0; fuzz_failed=1; fi
if [ "$fuzz_status" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then fuzz_failed=1; fi
[ "$fuzz_failed" -eq 0 ] || status=1
# One closing line with the counts of both.
echo "$((passed + fuzz_passed)) passed, $((failed + fuzz_failed)) failed, $skipped skipped"
exit $status
