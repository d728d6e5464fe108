#!/usr/bin/env bash
# The figures of docs/benchmarks.md ("Slurm"), on the single-node cluster of tools/slurm.sh:
#
#   bash tools/slurm-bench.sh [RSCRIPT]     # default: .build/debug/rscript
#
# 1. 24 POV-Ray frames of orbit.pov (320x240, chunks of 2, 2 at once): rscript local, rscript
#    --farm slurm, and a hand-written `sbatch --array=0-11%2` of the same povray commands
#    (followed with squeue every 0.2 s until it is over).
# 2. 1,000 one-frame chunks (a renderer that copies a PNG): the time to submit, then 30 s of
#    tracking: the squeue calls (slurmctld's REQUEST_JOB_INFO count from sdiag) and all client
#    RPCs, in 1 array and in 10 (MaxArraySize capped at 100 with RSCRIPT_SLURM_MAX_ARRAY_SIZE);
#    then Ctrl-C, until Slurm reports every task over.
# 3. The latency from a chunk's end on the node (its exit file) to its record in the gallery
#    database (frame_chunks.endedAt), at the default poll (1 s) and at 0.2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RSCRIPT=${1:-$ROOT/.build/debug/rscript}
RSCRIPT=$(readlink -f "$RSCRIPT")
bash tools/slurm.sh start >/dev/null
WORK=$(mktemp -d /tmp/rscript-slurm-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export RSCRIPT_DB=$WORK/gallery.db
SCENE=$ROOT/scripts/examples/scenes/orbit.pov
PARTS=" ${SLURM_BENCH_PARTS:-1 2 3} "   # e.g. SLURM_BENCH_PARTS="2 3"
part() { [[ $PARTS == *" $1 "* ]]; }

now() { python3 -c 'import time; print(time.monotonic())'; }
since() { python3 -c "import sys, time; print(f'{time.monotonic() - float(sys.argv[1]):.2f}')" "$1"; }
median() { python3 -c 'import sys, statistics; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }

if part 1; then
echo "== 1. 24 POV-Ray frames, 320x240, --chunk 2, 2 at once (3 runs each, median)"
local_times=(); farm_times=(); hand_times=()
for run in 1 2 3; do
  rm -rf "$WORK/local" "$WORK/farm" "$WORK/hand"
  t=$(now); (cd "$WORK" && "$RSCRIPT" render "$SCENE" --renderer POV-Ray --frames 1-24 --chunk 2 --workers 2 --res 320x240 --output local >/dev/null); local_times+=("$(since "$t")")
  t=$(now); (cd "$WORK" && "$RSCRIPT" render "$SCENE" --renderer POV-Ray --frames 1-24 --chunk 2 --workers 2 --res 320x240 --output farm --farm slurm >/dev/null); farm_times+=("$(since "$t")")
  # The same povray commands, from the chunk logs, as one hand-written array.
  mkdir -p "$WORK/hand"
  python3 - "$WORK" <<'PY'
import glob, os, re, sys
work = sys.argv[1]
lines = ["#!/bin/sh", "cd \"$(mktemp -d)\"", 'case "$SLURM_ARRAY_TASK_ID" in']
for i, log in enumerate(sorted(glob.glob(f"{work}/farm/logs/chunk-*.log"))):
    first = next(l for l in open(log) if l.startswith("rscript: chunk "))
    # rscript's povray writes to the chunk's scratch folder, then moves the images; here they stay.
    command = re.sub(r"\+O\S+", f"+O{work}/hand/f_", first.split(": ", 2)[2].strip())
    lines.append(f"  {i}) exec {command} ;;")
lines.append("esac")
open(f"{work}/hand/array.sh", "w").write("\n".join(lines) + "\n")
PY
  # Followed like rscript does, squeue every 0.2 s (sbatch --wait backs off to 30 s polls).
  t=$(now)
  job=$(sbatch --parsable --array=0-11%2 --output=/dev/null "$WORK/hand/array.sh")
  while [ -n "$(squeue -h -j "$job" -t PD,R,CG,CF -o %i 2>/dev/null)" ]; do sleep 0.2; done
  hand_times+=("$(since "$t")")
  ls "$WORK"/hand/f_*.png | wc -l | grep -qx 24 || { echo "the hand-written array did not render 24 frames" >&2; exit 1; }
done
l=$(median "${local_times[@]}"); f=$(median "${farm_times[@]}"); h=$(median "${hand_times[@]}")
echo "local: ${local_times[*]} (median $l s)"
echo "--farm slurm: ${farm_times[*]} (median $f s)"
echo "hand-written sbatch --array: ${hand_times[*]} (median $h s)"
python3 -c "import sys; print(f'ratio --farm slurm / hand-written: {float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$f" "$h"

fi

echo "== 2. 1,000 one-frame chunks (a renderer that copies a PNG)"
mkdir -p "$WORK/plugins/backgroundrenderers"
python3 -c 'import base64, sys; open(sys.argv[1], "wb").write(base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="))' "$WORK/fixture.png"
cat >"$WORK/plugins/backgroundrenderers/copy.lua" <<'LUA'
local BackgroundRenderer = require("rscript.backgroundrenderer")
local Copy = BackgroundRenderer:extend("CopyFrames")
function Copy:startBackgroundRender() end
function Copy:isRenderFinished() return true end
function Copy:chunkStartupSeconds() return 0 end
function Copy:chunkCommand(scene, chunk, output, options)
  local path = (output:gsub("#+", function(h) return string.format("%0" .. #h .. "d", chunk.first) end, 1)) .. ".png"
  return { "cp", options.plugin.png, path }
end
function Copy:framePath(output, frame)
  return (output:gsub("#+", function(h) return string.format("%0" .. #h .. "d", frame) end, 1)) .. ".png"
end
function registerBackgroundRenderers(manager) manager:registerBackgroundRenderer("Copy", Copy) end
LUA
export RSCRIPT_PLUGIN_PATH="$WORK/plugins:&"
if part 2; then
# On 2 CPUs Slurm runs about 2 such tasks a second: the run is followed for 30 s, then stopped
# with Ctrl-C (which cancels the arrays and waits until Slurm reports them over).
for cap in "" 100; do
  rm -rf "$WORK/many"
  sdiag -r >/dev/null
  (cd "$WORK" && RSCRIPT_SLURM_MAX_ARRAY_SIZE=$cap exec "$RSCRIPT" render "$WORK/fixture.png" --renderer Copy --frames 1-1000 \
     --chunk 1 --output many --farm slurm --json --option "png=$WORK/fixture.png" >"$WORK/many.jsonl") &
  pid=$!
  sleep 30
  during=$(sdiag)
  t=$(now); kill -INT "$pid"; wait "$pid" || true; stopped=$(since "$t")
  python3 - "$WORK/many.jsonl" "$during" "$stopped" <<'PY'
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
submits = [e for e in events if e["event"] == "submit"]
done = sum(1 for e in events if e["event"] == "frameDone")
sdiag = sys.argv[2]
def count(name):
    m = re.search(rf"^\s*{name}\s*\(\s*\d+\)\s*count:(\d+)", sdiag, re.M)
    return int(m.group(1)) if m else 0
rpcs = sdiag.split("Remote Procedure Call statistics by message type")[1].split("Remote Procedure Call statistics by user")[0]
total = sum(int(n) for n in re.findall(r"count:(\d+)", rpcs))
job_info = count("REQUEST_JOB_INFO") + count("REQUEST_JOB_INFO_SINGLE")
print(f"{sum(len(s['arrays']) for s in submits)} array(s) of {sum(s['tasks'] for s in submits)} tasks submitted in "
      f"{sum(s['seconds'] for s in submits):.2f} s; in the first 30 s: {done} chunks done, {job_info} squeue calls "
      f"(REQUEST_JOB_INFO, one per 1 s poll), {count('REQUEST_SUBMIT_BATCH_JOB')} sbatch, {total} client RPCs in all; "
      f"Ctrl-C to every task over: {float(sys.argv[3]):.2f} s")
PY
done

fi

if part 3; then
echo "== 3. latency: a chunk's end on the node to its record in the gallery database (48 one-frame chunks)"
for poll in 1 0.2; do
  rm -rf "$WORK/latency" "$WORK/latency.db"
  (cd "$WORK" && RSCRIPT_DB=$WORK/latency.db RSCRIPT_SLURM_KEEP=1 RSCRIPT_SLURM_POLL=$poll "$RSCRIPT" render "$WORK/fixture.png" \
     --renderer Copy --frames 1-48 --chunk 1 --output latency --farm slurm --option "png=$WORK/fixture.png" >/dev/null)
  python3 - "$WORK" "$poll" <<'PY'
import glob, json, sqlite3, statistics, sys
work, poll = sys.argv[1], sys.argv[2]
ended = {}
for spec in glob.glob(f"{work}/latency/.rscript-chunks/slurm-*/a*/task-*.json"):
    exit_file = spec[:-len(".json")] + ".exit"
    ended[json.load(open(spec))["log"]] = json.load(open(exit_file))["endedAt"]
db = sqlite3.connect(f"{work}/latency.db")
delays = sorted(row[1] - ended[row[0]] for row in db.execute("SELECT logPath, endedAt FROM frame_chunks") if row[0] in ended)
print(f"poll {poll} s: {len(delays)} chunks, median {statistics.median(delays) * 1000:.0f} ms, "
      f"p95 {delays[int(len(delays) * 0.95) - 1] * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")
PY
done
fi
