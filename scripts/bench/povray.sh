#!/usr/bin/env bash
# A POV-Ray render through the plugin (`rscript render`) beside the same povray command run
# directly, alternating, in the same run. Prints each side's median wall time and the ratio.
#   bash scripts/bench/povray.sh [RSCRIPT] [RUNS] [WxH]
set -euo pipefail
cd "$(dirname "$0")/../.."
RSCRIPT=${1:-.build-release/release/rscript}
RUNS=${2:-5}
RES=${3:-1280x960}
W=${RES%x*}; H=${RES#*x}
SCENE=scripts/examples/scenes/spheres.pov
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export RSCRIPT_DB="$WORK/gallery.db"

now() { date +%s.%N; }
direct=(); plugin=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now)

  povray +I"$SCENE" +L"$(dirname "$SCENE")" +FN -D +V +W"$W" +H"$H" +O"$WORK/direct.png" >/dev/null 2>&1
  t1=$(now)
  "$RSCRIPT" render "$SCENE" --renderer POV-Ray --res "$RES" >/dev/null
  t2=$(now)
  direct+=("$(echo "$t1 - $t0" | bc -l)")
  plugin+=("$(echo "$t2 - $t1" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
md=$(median "${direct[@]}"); mp=$(median "${plugin[@]}")
printf 'POV-Ray %s, %d runs each, alternating\n' "$RES" "$RUNS"
printf '  povray directly:          median %.3f s\n' "$md"
printf '  rscript render (plugin):  median %.3f s\n' "$mp"
printf '  ratio plugin/direct:      %.3f (target <= 1.05)\n' "$(echo "$mp / $md" | bc -l)"
