#!/usr/bin/env bash
# Publishing a real render: a render-layer instance of scripts/examples/scenes/orbit.pov, frames
# 1-24 at WxH, published with the shipped plugins (collect, validate, the POV-Ray extractor on a
# 2-worker pool, the versioned integrator) by `rscript publish`, beside the same povray command
# lines run one frame each by `seq 1 24 | xargs -P2`, alternating, in the same run. Prints the
# medians and the ratio publish/xargs: what the whole publish costs over rendering alone.
#   bash scripts/bench/publish.sh [RSCRIPT] [ROUNDS] [WxH]
set -euo pipefail
cd "$(dirname "$0")/../.."
RSCRIPT=${1:-.build-release/release/rscript}
ROUNDS=${2:-3}
RES=${3:-320x240}
W=${RES%x*}; H=${RES#*x}
SCENE=$PWD/scripts/examples/scenes/orbit.pov
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export RSCRIPT_PLUGIN_PATH="$WORK/none:&" RSCRIPT_PUBLISH_WORKERS=2 XDG_CONFIG_HOME="$WORK/config"

"$RSCRIPT" create "$WORK/shot.json" --creator render_layer --asset sh010 --task lighting --project bench \
  --select "$SCENE" --attr use_selection=true --attr frameStart=1 --attr frameEnd=24 --attr resolution="$RES" >/dev/null

now() { date +%s.%N; }
pub=(); xarg=()
for i in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  "$RSCRIPT" publish "$WORK/shot.json" >/dev/null
  t1=$(now)
  mkdir -p "$WORK/x$i"
  seq 1 24 | (cd "$WORK/x$i" && xargs -P2 -I{} povray +I"$SCENE" +L"$(dirname "$SCENE")" +W"$W" +H"$H" +FN -D \
    +KFI1 +KFF24 +SF{} +EF{} +O"$WORK/x$i/f_" >/dev/null 2>&1)
  t2=$(now)
  pub+=("$(echo "$t1 - $t0" | bc)"); xarg+=("$(echo "$t2 - $t1" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
P=$(median "${pub[@]}"); X=$(median "${xarg[@]}")
echo "rscript publish (24 frames, 2 workers, integrated): median ${P}s"
echo "seq 1 24 | xargs -P2 povray (render only):         median ${X}s"
echo "ratio publish/xargs: $(echo "scale=3; $P / $X" | bc)"
ls "$WORK/publish/bench/sh010/publish/render/renderMain" | tr '\n' ' '; echo
