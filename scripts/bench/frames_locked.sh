#!/usr/bin/env bash
# A chunked frame render with the gallery database locked by another process vs not:
# scripts/bench/frames_locked.sh [RSCRIPT] [ROUNDS]. POV-Ray, orbit.pov, frames 1-6, 2 workers,
# 64x48. Prints per round the seconds to the `end` event and to rscript's exit; with the lock
# held, sqlite3 keeps BEGIN IMMEDIATE until the `end` event, then commits. See docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rscript=${1:-.build-release/release/rscript}
rounds=${2:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
now() { date +%s.%N; }

# One render; `$1` is "locked" or "free". Prints "SIDE end SECONDS exit SECONDS".
render() {
    local db=$dir/$1.db
    rm -f "$db" "$db-wal" "$db-shm"
    "$rscript" render "$root/scripts/examples/scenes/orbit.pov" --renderer POV-Ray --frames 1-6 --workers 2 \
        --res 64x48 --output "$dir/out" --no-skip --db "$db" --json > /dev/null  # the tables
    local fifo=$dir/lock.fifo
    if [ "$1" = locked ]; then
        rm -f "$fifo"; mkfifo "$fifo"
        sqlite3 "$db" < "$fifo" > "$dir/lock.out" &
        exec 3> "$fifo"
        echo "BEGIN IMMEDIATE; SELECT 'locked';" >&3
        until grep -q locked "$dir/lock.out" 2>/dev/null; do sleep 0.01; done
    fi
    local start end
    start=$(now)
    "$rscript" render "$root/scripts/examples/scenes/orbit.pov" --renderer POV-Ray --frames 1-6 --workers 2 \
        --res 64x48 --output "$dir/out" --no-skip --db "$db" --json | while read -r line; do
        case $line in
            *'"event":"end"'*)
                echo "$(now)" > "$dir/end"
                if [ "$1" = locked ]; then echo "COMMIT;" >&3; fi ;;
        esac
    done
    end=$(now)
    if [ "$1" = locked ]; then exec 3>&-; wait; fi
    echo "$1 end $(echo "$(cat "$dir/end") - $start" | bc) exit $(echo "$end - $start" | bc)"
    sqlite3 "$db" "SELECT state, rendered FROM frame_renders ORDER BY id DESC LIMIT 1; SELECT group_concat(state) FROM frame_chunks WHERE renderId = (SELECT max(id) FROM frame_renders)"
}

for _ in $(seq "$rounds"); do
    render free
    render locked
done
