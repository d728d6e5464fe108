#!/usr/bin/env bash
# Frame-range rendering: a 24-frame POV-Ray animation rendered by
#   rscript render orbit.pov --renderer POV-Ray --frames 1-24 --workers 2
# beside the same povray commands run one frame each by `seq 1 24 | xargs -P2`, and beside
# rscript with 1 worker, alternating, in the same run. Prints each side's median wall time, the
# ratio rscript/xargs (target <= 1.05) and the speed-up of 2 workers over 1. A fourth side,
# rscript with --chunk 1, runs exactly xargs's commands (one povray per frame): the runtime's
# own overhead; the default (--chunk auto: 8 chunks of 3 frames) also saves povray start-ups.
#   bash scripts/bench/frames.sh [RSCRIPT] [ROUNDS] [WxH]
# Every povray renders with one thread (+WT1) on both sides, so that N workers use N cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
RSCRIPT=${1:-.build-release/release/rscript}
ROUNDS=${2:-3}
RES=${3:-480x360}
W=${RES%x*}; H=${RES#*x}
SCENE=$PWD/scripts/examples/scenes/orbit.pov
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export RSCRIPT_DB="$WORK/gallery.db" RSCRIPT_PLUGIN_PATH="$WORK/none:&"

# The switches the POV-Ray plugin's chunkCommand passes (see its log), for one frame each.
POVRAY=(povray +I"$SCENE" +L"$(dirname "$SCENE")" +FN -D +V +W"$W" +H"$H" +A0.3 +WT1 +KFI1 +KFF24)
RENDER=("$RSCRIPT" render "$SCENE" --renderer POV-Ray --frames 1-24 --res "$RES"
        --option antialias=0.3 --option threads=1 --no-skip)

now() { date +%s.%N; }
two=(); one=(); xarg=(); single=()
for i in $(seq 1 "$ROUNDS"); do
  rm -rf "$WORK"/out*; mkdir -p "$WORK/outx"
  t0=$(now)
  "${RENDER[@]}" --workers 2 --output "$WORK/out2" >/dev/null
  t1=$(now)
  # -I{}: one povray per frame, frame {} only; its own output name, so no two share files.
  (cd "$WORK/outx" && seq 1 24 | xargs -P2 -I{} "${POVRAY[@]}" +SF{} +EF{} +O"$WORK/outx/f{}_" >/dev/null 2>&1)
  t2=$(now)
  "${RENDER[@]}" --workers 1 --output "$WORK/out1" >/dev/null
  t3=$(now)
  "${RENDER[@]}" --workers 2 --chunk 1 --output "$WORK/outs" >/dev/null
  t4=$(now)
  two+=("$(echo "$t1 - $t0" | bc -l)")
  xarg+=("$(echo "$t2 - $t1" | bc -l)")
  one+=("$(echo "$t3 - $t2" | bc -l)")
  single+=("$(echo "$t4 - $t3" | bc -l)")
  [ "$(ls "$WORK"/out2/*.png | wc -l)" = 24 ] && [ "$(ls "$WORK"/outx/*.png | wc -l)" = 24 ] \
    || { echo "frames missing" >&2; exit 1; }
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m2=$(median "${two[@]}"); mx=$(median "${xarg[@]}"); m1=$(median "${one[@]}"); ms=$(median "${single[@]}")
printf 'POV-Ray orbit.pov, 24 frames at %s (+A0.3, +WT1), %d rounds, %d processors\n' "$RES" "$ROUNDS" "$(nproc)"
printf '  rscript --frames 1-24 --workers 2:   median %.3f s  (%s)\n' "$m2" "${two[*]}"
printf '  seq 1 24 | xargs -P2 povray:         median %.3f s  (%s)\n' "$mx" "${xarg[*]}"
printf '  rscript --frames 1-24 --workers 1:   median %.3f s  (%s)\n' "$m1" "${one[*]}"
printf '  rscript --workers 2 --chunk 1:       median %.3f s  (%s)\n' "$ms" "${single[*]}"
printf '  ratio rscript/xargs (2 workers):     %.3f (target <= 1.05)\n' "$(echo "$m2 / $mx" | bc -l)"
printf '  ratio rscript --chunk 1/xargs:       %.3f (the same povray commands on both sides)\n' "$(echo "$ms / $mx" | bc -l)"
printf '  speed-up 2 workers over 1:           %.2fx\n' "$(echo "$m1 / $m2" | bc -l)"
